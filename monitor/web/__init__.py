"""The team's web inbox: a Starlette (ASGI) app over the pipeline's library API.

Handlers stay thin: they read the request, call one pipeline function and render a
template. See :mod:`monitor.web.app` for the app factory and :mod:`monitor.web.guard`
for signing in, roles and CSRF.
"""
