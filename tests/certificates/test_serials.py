"""Serial numbers: counted per region, type and year, composed with their check character, never shared.

The concurrency tests use real threads, each with its own connection and transaction, released together: on
PostgreSQL (``TEST_DATABASE_URL``) the counter's row lock decides, on SQLite the database's write lock.
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from certificates import numbering
from certificates.models import CertificateSerial
from portal.errors import DomainError
from portal.extensions import db


def test_the_first_number_of_a_year_is_the_worked_example():
    assert numbering.allocate("371000", "enforcement", 2026) == "371000126000017"
    db.session.commit()
    assert numbering.peek("371000", "enforcement", 2026) == 1


def test_numbers_follow_each_other_per_region_type_and_year():
    numbers = [numbering.allocate("371000", "enforcement", 2026) for _ in range(12)]
    assert [n[:14] for n in numbers] == [f"3710001260{serial:04d}" for serial in range(1, 13)]
    assert all(numbering.parse(n) == n for n in numbers)
    # each counter is its own: another type, another region, another year each start at 00001
    assert numbering.allocate("371000", "hearing_presider", 2026)[:14] == "37100022600001"
    assert numbering.allocate("371002", "enforcement", 2026)[:14] == "37100212600001"
    assert numbering.allocate("371000", "enforcement", 2027)[:14] == "37100012700001"
    assert numbering.allocate("371000", "enforcement", 2026)[:14] == "37100012600013"
    assert numbering.allocate("371000", "enforcement", 2027)[:14] == "37100012700002"
    db.session.commit()
    assert numbering.peek("371000", "enforcement", 2026) == 13
    assert numbering.peek("371000", "enforcement", 2028) == 0


def test_a_rolled_back_issuance_leaves_no_gap():
    assert numbering.allocate("371000", "enforcement", 2026)[:14] == "37100012600001"
    db.session.commit()
    assert numbering.allocate("371000", "enforcement", 2026)[:14] == "37100012600002"
    db.session.rollback()
    assert numbering.allocate("371000", "enforcement", 2026)[:14] == "37100012600002"


def test_an_exhausted_year_is_refused_in_chinese_and_leaves_the_transaction_usable():
    db.session.add(CertificateSerial(region="371000", type_digit=2, year=2026, last=99_998))
    db.session.commit()
    assert numbering.allocate("371000", "hearing_presider", 2026)[:14] == "37100022699999"
    with pytest.raises(DomainError) as caught:
        numbering.allocate("371000", "hearing_presider", 2026)
    assert caught.value.code == "serial_exhausted" and "已用完" in caught.value.message
    db.session.commit()  # nothing failed in the database
    assert numbering.peek("371000", "hearing_presider", 2026) == 99_999


@pytest.mark.parametrize("region, type_, year, code", [
    ("37100", "enforcement", 2026, "invalid_region_code"),
    ("371000", "driving", 2026, "invalid_certificate_type"),
    ("371000", "enforcement", 26, "invalid_year"),
])
def test_bad_parts_are_refused(region, type_, year, code):
    with pytest.raises(DomainError) as caught:
        numbering.allocate(region, type_, year)
    assert caught.value.code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateSerial)) == 0


def allocate_at_once(app, count: int, region="371000", type_="enforcement", year=2026) -> list[str]:
    """``count`` threads allocate on one counter at the same moment; each holds its transaction open a little
    before committing, so the others really have to wait for it."""
    barrier = threading.Barrier(count, timeout=30)
    numbers, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                number = numbering.allocate(region, type_, year)
                time.sleep(0.05)
                db.session.commit()
                numbers.append(number)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return numbers


def test_threads_allocating_a_new_counter_at_once_get_different_numbers(app):
    numbers = allocate_at_once(app, 6)
    assert sorted(n[:14] for n in numbers) == [f"3710001260{serial:04d}" for serial in range(1, 7)]
    assert numbering.peek("371000", "enforcement", 2026) == 6


def test_threads_allocating_an_existing_counter_at_once_get_different_numbers(app):
    numbering.allocate("371000", "hearing_presider", 2027)
    db.session.commit()
    for _ in range(3):
        allocate_at_once(app, 5, type_="hearing_presider", year=2027)
    db.session.expire_all()
    assert numbering.peek("371000", "hearing_presider", 2027) == 16
    numbers = allocate_at_once(app, 4, type_="hearing_presider", year=2027)
    assert sorted(n[:14] for n in numbers) == [f"3710002270{serial:04d}" for serial in range(17, 21)]
