"""Structured logging and EMF metrics via Powertools; X-Ray tracing (only when enabled) via `chalicelib.tracing`.

Tracing does not use the Powertools tracer: it imports and patches through the X-Ray SDK, which
cost 260-310 ms of every cold start (docs/architecture.md, "Observability").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit, single_metric

if TYPE_CHECKING:
    from chalicelib.tracing import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "fan-engagement")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FanEngagement")

logger = Logger(service=SERVICE)


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in {"1", "true"}
    return not disabled and "AWS_LAMBDA_FUNCTION_NAME" in os.environ and "AWS_SAM_LOCAL" not in os.environ


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    """The X-Ray tracer, hooked on every botocore session created after the first call."""
    from chalicelib import tracing

    return tracing.install(SERVICE)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one count as its own EMF blob, written at once.

    Not a shared per-invocation metric set: the local server answers requests on threads, and one
    request's flush could empty the set under another's (a 500 under 200 racing redemptions).
    Dimensions stay on their own blob, so they never leak onto other metrics.
    """
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
    ) as metric:
        for key, dim in dimensions.items():
            metric.add_dimension(name=key, value=dim)


def gauges(values: Mapping[str, tuple[float, MetricUnit]], at: datetime) -> None:
    """Emit a set of values timestamped `at` (not now), as one EMF blob of their own.

    Its own metric set: the timestamp must not move the invocation's other metrics. Only the
    `service` dimension, so the series count stays fixed however many days are written.
    """
    emitted = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    for name, (value, unit) in values.items():
        emitted.add_metric(name=name, unit=unit, value=value)
    emitted.set_timestamp(at)
    emitted.flush_metrics()
