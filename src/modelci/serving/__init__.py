"""The model server behind `modelci serve`: a verified model over the Open Inference Protocol v2.

    source.py    what is served: the workspace's model or a model card's, hash-verified
    schema.py    the training schema compiled into vectorised checks, run once per batch
    codec.py     OIP v2 and JSON-records bodies to columns, predictions to bodies (orjson)
    batching.py  adaptive batching: concurrent requests share one check and one predict call
    runtime.py   the predict call itself (one OpenMP thread)
    metrics.py   Prometheus metrics labelled by model name and version
    app.py       the ASGI application (routes, size limit, request ids, JSON logs)
    server.py    granian (HTTP in Rust), workers, graceful shutdown

Needs the `serve` extra: pip install 'modelci[serve]'.
"""

from modelci.serving.server import ServeOptions, load_model, serve

__all__ = ["ServeOptions", "load_model", "serve"]
