"""KPI day counters kept from the streams, exactly once: re-delivered, partially failed and racing batches count once.

Check-ins go through the API, their ledger records through the app's stream handlers (`streams`),
and the counters are read back summed over the shards, as the kpi-snapshot job reads them.
"""

from collections import Counter
from datetime import date, timedelta

import pytest

from chalicelib.domain.kpis import counting
from chalicelib.persistence import connection, counters
from chalicelib.services import counting as counting_service
from chalicelib.services import event_publishing

HOURS = timedelta(hours=1)


def check_in(api, fan):
    assert api.call("POST", "/v1/checkins", who=fan).status_code == 201


def day_totals(day: date) -> dict[str, int]:
    return counters.totals(counting.day_bucket(day))


def test_check_ins_are_counted_once_in_their_community_day_even_when_delivered_again(api, clock, streams):
    for fan in ("fan-a", "fan-b", "fan-c"):
        check_in(api, fan)  # 2026-11-22 12:00 in Shanghai
    clock.now += 13 * HOURS + timedelta(minutes=30)  # 01:30 on 23 Nov in Shanghai, still 22 Nov in UTC
    check_in(api, "fan-a")
    streams.drain()
    first = day_totals(date(2026, 11, 22))
    assert first["interactions:checkin"] == 3 and first["credits:checkin"] > 0
    assert day_totals(date(2026, 11, 23))["interactions:checkin"] == 1
    streams.pump._after.clear()  # the mapping recreated: every record is delivered again from the start
    streams.drain()
    assert day_totals(date(2026, 11, 22)) == first
    assert day_totals(date(2026, 11, 23))["interactions:checkin"] == 1


def test_a_batch_retried_after_another_consumer_failed_counts_nothing_twice(api, streams, monkeypatch):
    real = event_publishing._ledger
    calls = []

    def fail_the_second_once(record):
        calls.append(record)
        if len(calls) == 2:
            raise RuntimeError("the events consumer failed this record")
        return real(record)

    monkeypatch.setattr(event_publishing, "_ledger", fail_the_second_once)
    for fan in ("fan-a", "fan-b", "fan-c"):
        check_in(api, fan)
    deliveries = [d for d in streams.pump.drain() if d.handler == "ledger_stream"]
    assert deliveries[0].failed and len(deliveries) == 2  # the second and third records were delivered again
    assert len(deliveries[1].sequence_numbers) == 2
    assert day_totals(date(2026, 11, 22))["interactions:checkin"] == 3


def test_a_stale_checkpoint_read_loses_the_race_and_is_read_again(api, streams, monkeypatch):
    check_in(api, "fan-a")
    streams.drain()
    before = day_totals(date(2026, 11, 22))
    real = counters.checkpoint
    reads: list[str] = []

    def racing(entity, shard):
        """The first read sees the shard as never counted, as a delivery racing the earlier one would."""
        reads.append(entity)
        return None if reads.count("ledger") == 1 and entity == "ledger" else real(entity, shard)

    monkeypatch.setattr(counters, "checkpoint", racing)
    streams.pump._after.clear()
    streams.drain()
    assert day_totals(date(2026, 11, 22)) == before
    assert reads.count("ledger") == 2  # the cancelled transaction sent it back to read the checkpoint again


def test_a_record_that_cannot_be_read_stops_counting_until_it_is_delivered_again():
    good = Counter({("day#2026-11-22", "interactions:checkin"): 1})
    outcomes = iter([good, ValueError("bad image"), good])

    def derive(record):
        found = next(outcomes)
        if isinstance(found, Exception):
            raise found
        return found, []

    consumer = counting_service.Counting("ledger", "shard-1", derive)
    consumer.take({"dynamodb": {"SequenceNumber": "10"}})
    with pytest.raises(ValueError):
        consumer.take({"dynamodb": {"SequenceNumber": "11"}})
    consumer.take({"dynamodb": {"SequenceNumber": "12"}})  # after the failed one: left for the redelivery
    assert [seq for seq, _, _ in consumer._taken] == ["10"]


def test_counting_costs_two_requests_per_batch_whatever_its_size(api, streams):
    for n in range(30):
        check_in(api, f"fan-{n}")
    calls: list[str] = []

    def counted(model: str, params: dict, **_: object) -> None:
        if "counters" in str(params):
            calls.append(model)

    connection.register_hook("before-call.dynamodb", counted)
    try:
        deliveries = [d for d in streams.pump.drain() if d.handler in ("ledger_stream", "fans_stream")]
    finally:
        connection.unregister_hook("before-call.dynamodb", counted)
    records = sum(len(d.sequence_numbers) for d in deliveries)
    assert records == 60  # 30 ledger entries and 30 new fans (the user rules' newcomer records)
    assert len(calls) == 2 * len(deliveries)  # one checkpoint read, one transaction
    assert len(calls) / records < 0.1


def test_batches_too_wide_for_one_transaction_are_split_in_order():
    taken = [(str(n), Counter({(f"day#{n}", "churned"): 1}), []) for n in range(1, 151)]
    chunks = counting_service._chunks(taken)
    assert [len(chunk) for chunk in chunks] == [99, 51]
    assert [seq for chunk in chunks for seq, _, _ in chunk] == [str(n) for n in range(1, 151)]
