"""The admin's import pages: upload, preview with the mapping, commit, the problems CSV."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import select

from patronage.db import utcnow
from patronage.imports import jobs
from patronage.imports.models import Import
from patronage.tenancy.models import User
from tests.factories import csrf_of
from tests.test_admin import _login

HX = {"HX-Request": "true"}  # the progress bar is a fragment htmx asks for

CSV = (b"Shop,License #,E-mail,Whatever\n"
       b"Admin Co,ADM-1,buyer@adm.example,x\n"
       b"Bad Co,ADM-2,not-an-email,y\n")


def _upload(client, token, data=CSV, commit="preview"):
    return client.post("/imports", data={"csrf_token": token, "commit": commit},
                       files={"file": ("shops.csv", data, "text/csv")},
                       follow_redirects=False)


def _wait(location):
    jobs.wait(int(location.rsplit("/", 1)[1]), 30)


def test_upload_preview_adjust_and_commit(client, factory):
    t = factory.tenant()
    assert _login(client, t).status_code == 303
    page = client.get("/imports")
    assert "No imports yet" in page.text
    sent = _upload(client, csrf_of(page.text))
    assert sent.status_code == 303
    _wait(sent.headers["location"])
    preview = client.get(sent.headers["location"])
    assert "Preview of shops.csv" in preview.text and "Would create" in preview.text
    assert "Line 3" in preview.text and "E-mail" in preview.text  # the rejected row
    assert 'name="map-0"' in preview.text  # "Shop" is not a known header: choose it
    assert ">Import 1 customer</button>" in preview.text  # one row passes: singular
    done = client.post(f"{sent.headers['location']}/run", follow_redirects=False, data={
        "csrf_token": csrf_of(preview.text), "action": "commit", "map-0": "company_name",
        "map-1": "license_number", "map-2": "email", "map-3": ""})
    assert done.status_code == 303
    _wait(done.headers["location"])
    report = client.get(done.headers["location"]).text
    assert "Created" in report and "Admin Co" not in report
    found = client.get("/api/v1/customers", params={"q": "ADM-1"}, headers=t.headers).json()
    assert found["items"][0]["company_name"] == "Admin Co"
    problems = client.get(f"{done.headers['location']}/errors.csv")
    assert problems.status_code == 200 and "Line,Column,Problem" in problems.text
    assert "3,E-mail," in problems.text
    history = client.get("/imports").text
    assert history.count("shops.csv") >= 2 and "<th>By</th>" in history
    assert "Ada Admin" in history  # who ran them
    mapped = (b"Company,License #,E-mail\n" b"Admin Co,ADM-1,buyer@adm.example\n")
    same = _upload(client, csrf_of(history), data=mapped, commit="now")
    _wait(same.headers["location"])
    assert "Every row matches its customer as it is" in client.get(same.headers["location"]).text


def test_import_pages_are_private_and_need_a_writer(client, factory):
    t, other = factory.tenant(), factory.tenant()
    assert _login(client, t).status_code == 303
    sent = _upload(client, csrf_of(client.get("/imports").text))
    _wait(sent.headers["location"])
    assert _login(client, other).status_code == 303
    assert client.get(sent.headers["location"]).status_code == 404
    assert client.get(f"{sent.headers['location']}/errors.csv").status_code == 404


def test_a_running_import_shows_its_pace_then_that_it_is_finishing(client, factory, session,
                                                                   monkeypatch):
    t = factory.tenant()
    assert _login(client, t).status_code == 303
    me = session.scalar(select(User.id).where(User.tenant_id == t.id))
    job = Import(tenant_id=t.id, user_id=me, file_name="big.csv", size_bytes=1000,
                 dry_run=False, status="running", started_at=utcnow() - timedelta(seconds=10),
                 runner=f"{socket.gethostname()}:{os.getpid()}")
    session.add(job)
    session.commit()
    monkeypatch.setitem(jobs.PROGRESS, job.id, jobs.Progress(rows=2_000, read=250, size=1000))
    page = client.get(f"/imports/{job.id}/progress", headers=HX).text
    assert "2,000 rows read (25%)" in page and "rows/s" in page and "s left" in page
    api = client.get(f"/api/v1/imports/{job.id}", headers=t.headers).json()
    assert 150 < api["rows_per_second"] < 250 and 20 < api["seconds_left"] < 40
    for stage, says in (("waiting", "waiting for other changes to finish"),
                        ("rechecking", "changed while it was checked"),
                        ("finishing", "Saving big.csv: 2,000 rows checked")):
        jobs.PROGRESS[job.id].stage = stage
        page = client.get(f"/imports/{job.id}/progress", headers=HX).text
        assert says in page and "left" not in page, stage
    by_hand = client.get(f"/imports/{job.id}/progress", follow_redirects=False)
    assert by_hand.status_code == 303 and by_hand.headers["location"] == f"/imports/{job.id}"


def test_the_problem_report_of_any_file_name_is_safe_to_open(client, factory):
    """Issue 12 (bad input): a file named 客户.csv gets its report (the name encoded as
    RFC 6266 allows), and a formula in a rejected cell reaches the report neutralised."""
    t = factory.tenant()
    assert _login(client, t).status_code == 303
    data = (b"Company,License #,E-mail\n"
            b'=HYPERLINK("http://evil.example"),EV-1,not-an-email\n')
    sent = client.post("/imports", data={"csrf_token": csrf_of(client.get("/imports").text),
                                         "commit": "preview"},
                       files={"file": ("客户.csv", data, "text/csv")}, follow_redirects=False)
    assert sent.status_code == 303
    _wait(sent.headers["location"])
    report = client.get(f"{sent.headers['location']}/errors.csv")
    assert report.status_code == 200
    disposition = report.headers["content-disposition"]
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7-problems.csv" in disposition
    assert disposition.isascii()
    for line in report.text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "-", "@", '"=')), line
