"""Reads a YAML config file into plain data plus the line of every key, refusing what PyYAML
lets through silently: duplicate keys (the last one would win) and non-text keys (``on:``,
``yes:`` and ``1:`` are not text in YAML 1.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from v6.config.schema import format_path
from v6.errors import ConfigError

Path_ = tuple[str | int, ...]

_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML and the 1-based line where each key path (or list item) starts."""

    data: object
    lines: dict[Path_, int] = field(default_factory=dict)


def _syntax_problem(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}; {problem}" if context else problem
    if mark is not None:
        return (
            f"{source}: YAML syntax error at line {mark.line + 1}, "
            f"column {mark.column + 1}: {detail}"
        )
    return f"{source}: YAML syntax error: {detail}"


def _walk(node: Node, path: Path_, lines: dict[Path_, int], problems: list[str]) -> None:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                shown = key_node.value if isinstance(key_node, ScalarNode) else "(complex key)"
                problems.append(
                    f"{format_path(path)}: key {shown!r} at line {line} is not text; "
                    "expected a plain name (quote it if it must be e.g. 'on' or '1')"
                )
                continue
            key = str(key_node.value)
            if key in seen:
                problems.append(
                    f"{format_path((*path, key))}: duplicate key at lines {seen[key]} and "
                    f"{line}; expected each key once"
                )
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, problems)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document; any syntax or structure problem raises ``ConfigError``."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc, source)], source) from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    problems: list[str] = []
    if node is not None:
        _walk(node, (), lines, problems)
    if problems:
        raise ConfigError(problems, source)
    return YamlDocument(data, lines)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse ``path``; unreadable or undecodable files raise ``ConfigError``."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: file not found"], source) from None
    except IsADirectoryError:
        raise ConfigError([f"{source}: is a directory, expected a YAML file"], source) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{source}: not UTF-8 text ({exc.reason})"], source) from None
    except OSError as exc:
        raise ConfigError([f"{source}: cannot be read ({exc.strerror})"], source) from None
    return parse_yaml(text, source)
