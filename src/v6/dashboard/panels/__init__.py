"""One module per page: ``render(ctx)`` draws the page's panels, each a self-refreshing
fragment (see ``common.live``)."""
