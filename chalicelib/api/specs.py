"""The public contract, route by route: what each takes, returns and may refuse (see shared API.md)."""

from __future__ import annotations

from chalicelib.api import schemas
from chalicelib.api.routing import QueryParam, RouteSpec

_PAGING = (
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Page size"),
    QueryParam("cursor", {"type": "string"}, "Opaque cursor from the previous page's next_cursor"),
)
_AUTH = ("unauthorized",)
_ADMIN = ("unauthorized", "forbidden")
_IDEM = ("validation_error", "idempotency_key_reused")

SPECS: dict[str, RouteSpec] = {
    "health": RouteSpec(
        "/v1/health", "GET", "Health and a cheap dependency check", "public", 200, schemas.Health, extra_statuses=(503,)
    ),
    "openapi": RouteSpec("/v1/openapi.json", "GET", "This API's OpenAPI 3.1 document", "public", 200, None),
    "check_in": RouteSpec(
        "/v1/checkins",
        "POST",
        "Daily check-in (201 first of the local day, 200 after)",
        "fan",
        201,
        schemas.Checkin,
        extra_statuses=(200,),
        errors=_AUTH,
    ),
    "get_me": RouteSpec("/v1/me", "GET", "The caller's profile", "fan", 200, schemas.Profile, errors=_AUTH),
    "patch_me": RouteSpec(
        "/v1/me",
        "PATCH",
        "Change the caller's time zone (once per 30 days)",
        "fan",
        200,
        schemas.Profile,
        schemas.ProfileChange,
        errors=(*_AUTH, "validation_error", "time_zone_change_too_soon"),
    ),
    "my_ledger": RouteSpec(
        "/v1/me/ledger",
        "GET",
        "The caller's ledger, newest first",
        "fan",
        200,
        schemas.LedgerPage,
        errors=(*_AUTH, "validation_error"),
        query=_PAGING,
    ),
    "my_redemptions": RouteSpec(
        "/v1/me/redemptions",
        "GET",
        "The caller's redemptions, newest first",
        "fan",
        200,
        schemas.RedemptionPage,
        errors=(*_AUTH, "validation_error"),
        query=_PAGING,
    ),
    "list_rewards": RouteSpec(
        "/v1/rewards", "GET", "Catalogue visible to the caller", "fan", 200, schemas.RewardList, errors=_AUTH
    ),
    "redeem": RouteSpec(
        "/v1/redemptions",
        "POST",
        "Redeem a reward",
        "fan",
        201,
        schemas.Redemption,
        schemas.RedemptionRequest,
        idempotent=True,
        errors=(
            *_AUTH,
            *_IDEM,
            "insufficient_points",
            "out_of_stock",
            "limit_reached",
            "tier_required",
            "reward_unavailable",
            "reward_not_found",
        ),
    ),
    "get_redemption": RouteSpec(
        "/v1/redemptions/{redemption_id}",
        "GET",
        "One of the caller's redemptions",
        "fan",
        200,
        schemas.Redemption,
        errors=(*_AUTH, "redemption_not_found"),
    ),
    "put_reward": RouteSpec(
        "/v1/admin/rewards/{reward_id}",
        "PUT",
        "Create (201) or replace (200) a catalogue item",
        "admin",
        200,
        schemas.Reward,
        schemas.RewardDefinition,
        extra_statuses=(201,),
        errors=(*_ADMIN, "validation_error"),
    ),
    "restock": RouteSpec(
        "/v1/admin/rewards/{reward_id}/restock",
        "POST",
        "Add stock",
        "admin",
        200,
        schemas.Reward,
        schemas.Restock,
        idempotent=True,
        errors=(*_ADMIN, *_IDEM, "reward_not_found"),
    ),
    "admin_get_fan": RouteSpec(
        "/v1/admin/fans/{fan_id}",
        "GET",
        "A fan's profile",
        "admin",
        200,
        schemas.Profile,
        errors=(*_ADMIN, "fan_not_found"),
    ),
    "adjust": RouteSpec(
        "/v1/admin/fans/{fan_id}/adjustments",
        "POST",
        "Adjust a fan's points (never below zero)",
        "admin",
        201,
        schemas.AdjustmentResult,
        schemas.Adjustment,
        idempotent=True,
        errors=(*_ADMIN, *_IDEM, "fan_not_found", "insufficient_points"),
    ),
    "cancel_redemption": RouteSpec(
        "/v1/admin/redemptions/{redemption_id}/cancel",
        "POST",
        "Cancel: refund the points and return the stock",
        "admin",
        200,
        schemas.Redemption,
        idempotent=True,
        errors=(*_ADMIN, *_IDEM, "redemption_not_found", "invalid_redemption_state"),
    ),
    "fulfil_redemption": RouteSpec(
        "/v1/admin/redemptions/{redemption_id}/fulfil",
        "POST",
        "Mark shipped or delivered (repeating is a no-op)",
        "admin",
        200,
        schemas.Redemption,
        errors=(*_ADMIN, "redemption_not_found", "invalid_redemption_state"),
    ),
}
