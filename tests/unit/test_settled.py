"""Settled reads: kept once settled (empty answers too), read every time before, forgotten on clear."""

from chalicelib.services.settled import Settled


def test_a_settled_read_is_made_once_and_an_unsettled_one_every_time():
    reads: list[str] = []
    memo: Settled[str, list[str]] = Settled(maxsize=2)

    def read(key: str) -> list[str]:
        reads.append(key)
        return []  # an empty period is remembered as empty, not read again

    for _ in range(3):
        memo.read("past", True, lambda: read("past"))
        memo.read("now", False, lambda: read("now"))
    assert reads == ["past", "now", "now", "now"]
    memo.clear()
    memo.read("past", True, lambda: read("past"))
    assert reads[-1] == "past" and len(reads) == 5


def test_the_oldest_settled_read_goes_first_when_full():
    reads: list[int] = []
    memo: Settled[int, int] = Settled(maxsize=2)
    for key in (1, 2, 3, 1):
        memo.read(key, True, lambda key=key: reads.append(key) or key)
    assert reads == [1, 2, 3, 1]
