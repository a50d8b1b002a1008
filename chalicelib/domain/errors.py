"""Domain errors. Each carries the stable `code` and HTTP status of the public contract."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; the HTTP layer renders it as RFC 9457 problem details."""

    code = "domain_error"
    status = 400
    title = "Request refused"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InsufficientPoints(DomainError):
    code, status, title = "insufficient_points", 409, "Not enough points"


class OutOfStock(DomainError):
    code, status, title = "out_of_stock", 409, "Reward out of stock"


class LimitReached(DomainError):
    code, status, title = "limit_reached", 409, "Per-fan limit reached"


class TierRequired(DomainError):
    code, status, title = "tier_required", 409, "Higher tier required"


class RewardUnavailable(DomainError):
    code, status, title = "reward_unavailable", 409, "Reward not available now"


class RewardNotFound(DomainError):
    code, status, title = "reward_not_found", 404, "Reward not found"


class RedemptionNotFound(DomainError):
    code, status, title = "redemption_not_found", 404, "Redemption not found"


class FanNotFound(DomainError):
    code, status, title = "fan_not_found", 404, "Fan not found"


class InvalidRedemptionState(DomainError):
    code, status, title = "invalid_redemption_state", 409, "Redemption is not in a state that allows this"


class TimeZoneChangeTooSoon(DomainError):
    code, status, title = "time_zone_change_too_soon", 409, "Time zone changed too recently"


class IdempotencyKeyReused(DomainError):
    code, status, title = "idempotency_key_reused", 422, "Idempotency key reused with another request"


class AccountLimitReached(DomainError):
    code, status, title = "account_limit_reached", 409, "Too many linked accounts"


class SegmentsNotCalculated(DomainError):
    code, status, title = "segments_not_calculated", 404, "No tier recalculation has finished yet"


class JobNotFound(DomainError):
    code, status, title = "job_not_found", 404, "No such job"


class JobRunNotFound(DomainError):
    code, status, title = "job_run_not_found", 404, "No such job run"


class JobRunning(DomainError):
    code, status, title = "job_running", 409, "A run of this job is in progress"


class UnknownPlatform(DomainError):
    code, status, title = "unknown_platform", 404, "Unknown platform"


class Unavailable(DomainError):
    """Storage stayed contended or throttled after our retries; the client may retry safely."""

    code, status, title = "service_unavailable", 503, "Temporarily unavailable"
    retry_after_seconds = 1


class AlertNotFound(DomainError):
    code, status, title = "alert_not_found", 404, "No such alert"


class AlertResolved(DomainError):
    code, status, title = "alert_resolved", 409, "The alert is resolved"


class SilenceNotFound(DomainError):
    code, status, title = "silence_not_found", 404, "No such silence"
