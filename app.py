"""Wiring only: routes, the authorizer, schedules, stream and queue handlers, middleware. Behaviour: services."""
# ruff: noqa: E402  (the garbage collector is paused before the imports below)

from __future__ import annotations

import gc

# Importing allocates only what lives as long as the process, so collections during it find nothing
# to free; they cost a share of every cold start (docs/architecture.md, "Cold start"). Resumed at the end.
_COLLECTING = gc.isenabled()
gc.disable()

import functools
from dataclasses import asdict
from datetime import timedelta

from aws_lambda_powertools.logging import correlation_paths
from chalice.app import (
    AuthRequest,
    AuthResponse,
    CloudWatchEvent,
    ConvertToMiddleware,
    DynamoDBEvent,
    Rate,
    Response,
    SQSEvent,
)

from chalicelib import clock
from chalicelib.api import presenters, schemas, webhook_intake
from chalicelib.api.application import ThreadSafeChalice
from chalicelib.api.auth import InvalidToken, verify
from chalicelib.api.routing import Api, Call, json_response, outcome_response, render
from chalicelib.api.specs import SPECS
from chalicelib.api.validation import (
    choice_param,
    day_range,
    future_instant,
    instant_param,
    job_params,
    known_platform,
    listing_page,
    nonzero,
    reads_page,
    validated_fan_id,
    validated_id,
    validated_platform_id,
    validated_window,
    validated_zone,
)
from chalicelib.domain.alerts.model import LISTED
from chalicelib.domain.rewards import Reward
from chalicelib.observability import logger, tracer, tracing_enabled
from chalicelib.persistence import reads
from chalicelib.services import (
    adjustments,
    catalogue,
    checkins,
    ledger,
    linking,
    profiles,
    redemptions,
    webhooks,
)
from chalicelib.settings import get_settings

app = ThreadSafeChalice(app_name="fan-engagement", configure_logs=False)
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)),
    "http",
)
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)),
    "scheduled",
)
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context), "sqs")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context), "dynamodb")
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)),
    "cloudwatch",
)
if tracing_enabled():
    app.register_middleware(ConvertToMiddleware(tracer().capture_handler), "all")


@app.authorizer(ttl_seconds=300)
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    """Verifies the bearer token; an invalid one is passed on marked, so the API answers 401 as problem details."""
    try:
        principal = verify(auth_request.token)
    except InvalidToken as exc:
        logger.info("token rejected", extra={"reason": str(exc)})
        return AuthResponse(routes=["*"], principal_id="anonymous", context={"auth_error": "invalid_token"})
    context = {"sub": principal.subject, "admin": "true" if principal.is_admin else "false"}
    return AuthResponse(routes=["*"], principal_id=principal.subject, context=context)


api = Api(app, jwt_auth)
OPENAPI_VERSION = "1.0.0"


@api.route(SPECS["health"])
def health(call: Call) -> Response:
    """Cheap dependency check: one keyed read on the fans table."""
    version = get_settings().version
    try:
        reads.ping()
    except Exception:
        logger.exception("health check failed")
        return json_response(schemas.Health(status="degraded", version=version), 503)
    return json_response(schemas.Health(status="ok", version=version))


@api.route(SPECS["openapi"])
def openapi_document(call: Call) -> Response:
    """Generated from the same route table that wires the handlers, so it cannot drift."""
    return Response(body=_openapi(), status_code=200, headers={"Content-Type": "application/json"})


@functools.lru_cache(maxsize=1)
def _openapi() -> str:
    from chalicelib.api.openapi import render

    return render(api.operations, OPENAPI_VERSION)


@api.route(SPECS["check_in"])
def check_in(call: Call) -> Response:
    result = checkins.check_in(call.principal.subject, call.now)
    return json_response(presenters.checkin(result), 200 if result.already_checked_in else 201)


@api.route(SPECS["get_me"])
def get_me(call: Call) -> Response:
    return json_response(presenters.profile(profiles.profile(call.principal.subject, call.now)))


@api.route(SPECS["patch_me"])
def patch_me(call: Call) -> Response:
    change = call.body(schemas.ProfileChange)
    changed = profiles.change_time_zone(call.principal.subject, validated_zone(change.time_zone), call.now)
    return json_response(presenters.profile(changed))


@api.route(SPECS["my_ledger"])
def my_ledger(call: Call) -> Response:
    page = reads_page(call, ledger.page)
    return json_response(schemas.LedgerPage([presenters.ledger_entry(e) for e in page.items], page.cursor))


@api.route(SPECS["my_redemptions"])
def my_redemptions(call: Call) -> Response:
    page = reads_page(call, reads.redemptions_page)
    items = [presenters.redemption(redemptions.RedemptionResult(r, r.balance_after)) for r in page.items]
    return json_response(schemas.RedemptionPage(items, page.cursor))


@api.route(SPECS["list_rewards"])
def list_rewards(call: Call) -> Response:
    principal = call.principal
    tier = None if principal.is_admin else profiles.fan_state(principal.subject).tier
    return json_response(schemas.RewardList([presenters.reward(r) for r in catalogue.visible(tier, call.now)]))


@api.route(SPECS["redeem"])
def redeem(call: Call) -> Response:
    body = call.body(schemas.RedemptionRequest)
    outcome = redemptions.redeem(
        call.principal.subject,
        body.reward_id,
        body.quantity,
        call.idempotency(body),
        render(201, presenters.redemption),
        call.now,
    )
    return outcome_response(outcome)


@api.route(SPECS["get_redemption"])
def get_redemption(call: Call, redemption_id: str) -> Response:
    found = redemptions.own_redemption(call.principal.subject, validated_id(redemption_id, "redemption_id"))
    return json_response(presenters.redemption(redemptions.RedemptionResult(found, found.balance_after)))


@api.route(SPECS["put_reward"])
def put_reward(call: Call, reward_id: str) -> Response:
    body = call.body(schemas.RewardDefinition)
    reward = Reward(
        reward_id=validated_id(reward_id, "reward_id"),
        name=body.name,
        cost=body.cost,
        stock_remaining=body.stock_remaining,
        per_fan_limit=body.per_fan_limit,
        min_tier=body.min_tier,
        available_from=body.available_from,
        available_until=body.available_until,
    )
    validated_window(reward)
    stored, created = catalogue.put(reward, call.now)
    return json_response(presenters.reward(stored), 201 if created else 200)


@api.route(SPECS["restock"])
def restock(call: Call, reward_id: str) -> Response:
    body = call.body(schemas.Restock)
    outcome = catalogue.restock(
        validated_id(reward_id, "reward_id"),
        body.quantity,
        call.idempotency(body),
        render(200, presenters.reward),
        call.now,
    )
    return outcome_response(outcome)


@api.route(SPECS["admin_get_fan"])
def admin_get_fan(call: Call, fan_id: str) -> Response:
    return json_response(presenters.profile(profiles.existing_profile(validated_fan_id(fan_id), call.now)))


@api.route(SPECS["adjust"])
def adjust(call: Call, fan_id: str) -> Response:
    body = call.body(schemas.Adjustment)
    nonzero(body.delta)
    outcome = adjustments.adjust(
        validated_fan_id(fan_id),
        body.delta,
        body.reason,
        call.idempotency(body),
        render(201, presenters.adjustment),
        call.now,
    )
    return outcome_response(outcome)


@api.route(SPECS["cancel_redemption"])
def cancel_redemption(call: Call, redemption_id: str) -> Response:
    outcome = redemptions.cancel(
        validated_id(redemption_id, "redemption_id"), call.idempotency(), render(200, presenters.redemption), call.now
    )
    return outcome_response(outcome)


@api.route(SPECS["fulfil_redemption"])
def fulfil_redemption(call: Call, redemption_id: str) -> Response:
    done = redemptions.fulfil(validated_id(redemption_id, "redemption_id"), call.now)
    return json_response(presenters.redemption(redemptions.RedemptionResult(done, done.balance_after)))


@api.route(SPECS["webhook"])
def webhook(call: Call, platform: str) -> Response:
    intake = webhook_intake.verified(call, platform)
    result = webhooks.handle(intake.delivery, intake.data, call.now)
    return json_response(schemas.WebhookAck(result), 202 if result == "accepted" else 200)


@api.route(SPECS["unlink"])
def unlink(call: Call, platform: str, external_user_id: str) -> Response:
    external_user_id = validated_platform_id(external_user_id, "external_user_id")
    fan_id = linking.unlink(known_platform(platform), external_user_id, call.now)
    return json_response(schemas.Unlinked(platform, external_user_id, fan_id))


@api.route(SPECS["content_metrics"])
def content_metrics(call: Call, platform: str, content_id: str) -> Response:
    content_id = validated_platform_id(content_id, "content_id")  # every format check before any 404
    platform = known_platform(platform)
    return json_response(
        presenters.content_metrics(platform, content_id, webhooks.content_metrics(platform, content_id))
    )



@api.route(SPECS["start_job"])
def start_job(call: Call, job: str) -> Response:
    from chalicelib.services import jobs  # operators' and the hourly tick's: kept off the API's cold start

    job = validated_id(job, "job")
    body = call.body(schemas.JobRequest)
    params = job_params(job, body, call.now)
    started = render(202, presenters.job_started)
    outcome = jobs.start_for_operator(job, call.idempotency(body), started, call.now, params)
    return outcome_response(outcome)


@api.route(SPECS["job_run"])
def job_run(call: Call, job: str, run_id: str) -> Response:
    from chalicelib.services import jobs

    found = jobs.run(validated_id(job, "job"), validated_id(run_id, "run_id"))
    return json_response(presenters.job_run(found))


@api.route(SPECS["segments"])
def admin_segments(call: Call) -> Response:
    from chalicelib.services import segments

    return json_response(presenters.segments(segments.latest()))


@api.route(SPECS["kpis"])
def admin_kpis(call: Call) -> Response:
    from chalicelib.services import kpi_snapshot  # operators' only: kept off the API's cold start

    return json_response(presenters.kpis(kpi_snapshot.between(*day_range(call))))


@api.route(SPECS["alerts"])
def admin_alerts(call: Call) -> Response:
    from chalicelib.services import alert_operations  # operators' only: kept off the API's cold start

    status, since = choice_param(call, "status", LISTED), instant_param(call, "since")
    page = listing_page(call, lambda limit, cursor: alert_operations.page(status, since, limit, cursor))
    return json_response(schemas.AlertPage([presenters.alert(a) for a in page.items], page.cursor))


@api.route(SPECS["acknowledge_alert"])
def acknowledge_alert(call: Call, alert_id: str) -> Response:
    from chalicelib.services import alert_operations

    alert_id = validated_id(alert_id, "alert_id")
    render_alert = render(200, presenters.alert)
    outcome = alert_operations.acknowledge(alert_id, call.principal.subject, call.idempotency(), render_alert, call.now)
    return outcome_response(outcome)


@api.route(SPECS["resolve_alert"])
def resolve_alert(call: Call, alert_id: str) -> Response:
    from chalicelib.services import alert_operations

    alert_id = validated_id(alert_id, "alert_id")
    render_alert = render(200, presenters.alert)
    outcome = alert_operations.resolve(alert_id, call.principal.subject, call.idempotency(), render_alert, call.now)
    return outcome_response(outcome)


SILENCE_LIMIT = timedelta(days=366)


@api.route(SPECS["create_silence"])
def create_silence(call: Call) -> Response:
    from chalicelib.services import silences

    body = call.body(schemas.SilenceRequest)
    ends_at = future_instant(body.ends_at, call.now, "ends_at", SILENCE_LIMIT)
    category = body.matchers.category or None
    rule = body.matchers.rule or None
    render_silence = render(201, presenters.silence)
    outcome = silences.create(
        category, rule, ends_at, body.reason, call.principal.subject, call.idempotency(body), render_silence, call.now
    )
    return outcome_response(outcome)


@api.route(SPECS["silences"])
def list_silences(call: Call) -> Response:
    from chalicelib.services import silences

    return json_response(schemas.SilenceList([presenters.silence(s) for s in silences.active(call.now)]))


@api.route(SPECS["delete_silence"])
def delete_silence(call: Call, silence_id: str) -> Response:
    from chalicelib.services import silences

    return json_response(presenters.silence(silences.delete(validated_id(silence_id, "silence_id"))))


@app.schedule(Rate(1, unit=Rate.HOURS), name="run_due_jobs")
def run_due_jobs(event: CloudWatchEvent) -> list[dict[str, object]]:
    """EventBridge's hourly tick (UTC-only): each job due by its community-local hour is started and worked."""
    from chalicelib.services import jobs

    return [asdict(ticked) for ticked in jobs.tick(clock.now())]


def _stream(entity: str) -> str:
    """The stream ARN `chalice package` writes; infra/resources.json replaces it with the table's `StreamArn`.

    Tools that drive the handlers locally (tools/stream_pump.py) find each handler's table here.
    """
    settings = get_settings()
    return f"arn:aws:dynamodb:{settings.region}:000000000000:table/{settings.table_name(entity)}/stream/deployed"


# Stream batches: StartingPosition, retries and the failure queue are the template's (docs/events.md).
@app.on_dynamodb_record(_stream("fans"), name="fans_stream", batch_size=100, starting_position="TRIM_HORIZON")
def fans_stream(event: DynamoDBEvent) -> dict[str, object]:
    """Tier, warning, stage and expiry-notice changes become outgoing events."""
    from chalicelib.services import streams

    return dict(streams.handle(event.to_dict()))


@app.on_dynamodb_record(_stream("ledger"), name="ledger_stream", batch_size=100, starting_position="TRIM_HORIZON")
def ledger_stream(event: DynamoDBEvent) -> dict[str, object]:
    """Expiry entries become `PointsExpired`."""
    from chalicelib.services import streams

    return dict(streams.handle(event.to_dict()))


@app.on_dynamodb_record(
    _stream("redemptions"), name="redemptions_stream", batch_size=100, starting_position="TRIM_HORIZON"
)
def redemptions_stream(event: DynamoDBEvent) -> dict[str, object]:
    """New confirmed redemptions become `RedemptionConfirmed`."""
    from chalicelib.services import streams

    return dict(streams.handle(event.to_dict()))


@app.on_dynamodb_record(
    _stream("webhook-deliveries"), name="deliveries_stream", batch_size=100, starting_position="TRIM_HORIZON"
)
def deliveries_stream(event: DynamoDBEvent) -> dict[str, object]:
    """Likes, comments, shares and views received become the day's content KPI counters."""
    from chalicelib.services import streams

    return dict(streams.handle(event.to_dict()))


ALARM_STATE_CHANGES = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
"""The stage's alarms only: infra/resources.json narrows the deployed rule to their name prefix."""


@app.on_cw_event(ALARM_STATE_CHANGES, name="alarm_state_changed")
def alarm_state_changed(event: CloudWatchEvent) -> dict[str, object]:
    """A CloudWatch alarm changed state: ALARM raises or keeps its technical alert, OK resolves it."""
    from chalicelib.services import alerting

    return asdict(alerting.alarm_changed(event.to_dict(), clock.now()))


@app.schedule(Rate(5, unit=Rate.MINUTES), name="alert_sweep")
def alert_sweep(event: CloudWatchEvent) -> dict[str, object]:
    """Time alone moves open alerts (escalation, repeats, resolution); notifications left unsent go out again."""
    from chalicelib.services import alerting

    return asdict(alerting.sweep(clock.now()))


@app.schedule(Rate(5, unit=Rate.MINUTES), name="risk_scan")
def risk_scan(event: CloudWatchEvent) -> dict[str, object]:
    """The risk rules on their signals; what they observe goes to the alert lifecycle (docs/operations.md)."""
    from chalicelib.services import risk_scan as scanning

    return asdict(scanning.scan(clock.now()))


JOB_SEGMENTS_QUEUE = "fan-engagement-dev-job-segments"  # infra/resources.json's JobSegmentsQueue
JOB_WORKERS = 32  # at most this many at once: the table's read rate, not Lambda, bounds a run (docs/jobs.md)


# One message a batch: a run's 32 segments go to 32 workers, not five to a worker one after another.
@app.on_sqs_message(queue=JOB_SEGMENTS_QUEUE, batch_size=1, maximum_concurrency=JOB_WORKERS)
def work_job_segments(event: SQSEvent) -> dict[str, object]:
    """A job run's segments, one a message; a failed message alone goes back to the queue (partial batch response)."""
    from chalicelib.messaging import segment_queue
    from chalicelib.services import jobs

    return dict(segment_queue.work_batch(event.to_dict(), event.context, jobs.work_message))


# The objects of initialisation go to the permanent generation: later collections skip them, and
# none of them waits in the youngest generation for the first request to traverse.
gc.freeze()
if _COLLECTING:
    gc.enable()
