"""The server: the ASGI app, its endpoints, admin routes, the journal and bounded stores."""
