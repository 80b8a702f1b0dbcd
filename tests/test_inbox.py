"""The inbox that lets several processes serve one bot: kept before acknowledged, one
sender's updates one at a time and oldest first, a dead process's lease taken over."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from tutor import Database
from tutor.inbox import KEEP_HANDLED, LEASE, SETTLING, Inbox

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_second_delivery_of_an_update_is_recognised(database: Database) -> None:
    inbox = Inbox(database, "telegram", clock=Clock())
    assert inbox.put(10, 7, "{}")
    assert not inbox.put(10, 7, "{}")
    assert Inbox(database, "discord").put(10, 7, "{}")  # numbers are per platform


def test_a_senders_updates_are_handed_out_one_at_a_time_oldest_first(
        database: Database) -> None:
    inbox = Inbox(database, "telegram", clock=Clock())
    for seq, sender in ((12, 7), (11, 7), (13, 8)):
        inbox.put(seq, sender, f"u{seq}")
    first = inbox.claim(7)
    assert first is not None and (first.seq, first.payload) == (11, "u11")
    assert inbox.claim(7) is None  # 12 waits for 11, whoever asks
    other = inbox.claim(8)
    assert other is not None and other.seq == 13  # other senders are not held up
    inbox.done(11)
    second = inbox.claim(7)
    assert second is not None and second.seq == 12
    inbox.done(12)
    assert inbox.claim(7) is None


def test_a_lapsed_lease_is_taken_over_and_a_kept_one_is_not(database: Database) -> None:
    clock = Clock()
    inbox = Inbox(database, "telegram", clock=clock)
    inbox.put(20, 7, "u20")
    assert inbox.claim(7) is not None
    clock.now += SETTLING * 2
    assert inbox.stranded() == []  # leased: somebody is on it
    clock.now += LEASE / 2
    inbox.extend(20)  # a long turn keeps its lease
    clock.now += LEASE / 2 + timedelta(seconds=1)
    assert inbox.claim(7) is None
    assert inbox.stranded() == []
    clock.now += LEASE  # the process died: nobody extends
    assert inbox.stranded() == [7]
    taken = inbox.claim(7)
    assert taken is not None and taken.seq == 20


def test_an_update_nobody_claimed_is_stranded_once_it_has_settled(database: Database) -> None:
    clock = Clock()
    inbox = Inbox(database, "telegram", clock=clock)
    inbox.put(30, 9, "u30")
    assert inbox.stranded() == []  # its receiver is about to handle it
    clock.now += SETTLING + timedelta(seconds=1)
    assert inbox.stranded() == [9]


def test_handled_updates_are_forgotten_after_a_day(database: Database) -> None:
    clock = Clock()
    inbox = Inbox(database, "telegram", clock=clock)
    inbox.put(40, 7, "u40")
    inbox.put(41, 7, "u41")
    inbox.claim(7)
    inbox.done(40)
    clock.now += KEEP_HANDLED + timedelta(minutes=1)
    assert inbox.prune() == 1  # 41 is still waiting: never forgotten
    assert not inbox.put(41, 7, "u41")
    assert inbox.put(40, 7, "u40")


def test_racing_claims_hand_each_update_to_exactly_one_taker(database: Database) -> None:
    inbox = Inbox(database, "telegram")
    for seq in range(100, 140):
        inbox.put(seq, 5, f"u{seq}")
    handled: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        idle = 0
        while idle < 200:
            claimed = inbox.claim(5)
            if claimed is None:
                idle += 1
                continue
            with lock:
                handled.append(claimed.seq)
            inbox.done(claimed.seq)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert handled == list(range(100, 140))
