"""The imports API: upload (dry run, then commit), follow it, the history, limits."""

from __future__ import annotations

import json
import time

from patronage.imports import jobs
from patronage.settings import get_settings

CSV = b"Company,License #,Email\nApi Co,API-1,buyer@api.example\nBroken,API-2,nope@\n"


def upload(client, t, data=CSV, **form):
    return client.post("/api/v1/imports", headers=t.headers,
                       files={"file": ("customers.csv", data, "text/csv")},
                       data={k: str(v).lower() if isinstance(v, bool) else v
                             for k, v in form.items()})


def finished(client, t, job_id):
    for _ in range(200):
        body = client.get(f"/api/v1/imports/{job_id}", headers=t.headers).json()
        if body["status"] != "running":
            return body
        jobs.wait(job_id, 0.1)
        time.sleep(0.01)
    raise AssertionError("the import never finished")


def test_dry_run_then_commit_through_the_api(client, factory):
    t = factory.tenant()
    started = upload(client, t)
    assert started.status_code == 202, started.text
    preview = finished(client, t, started.json()["id"])
    assert (preview["status"], preview["dry_run"], preview["created"], preview["rejected"]) == (
        "done", True, 1, 1)
    assert preview["errors"][0]["line"] == 3 and preview["errors"][0]["column"] == "Email"
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 0
    done = finished(client, t, upload(client, t, dry_run=False).json()["id"])
    assert (done["created"], done["rejected"]) == (1, 1)
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 1
    listed = client.get("/api/v1/imports", headers=t.headers).json()
    assert [j["id"] for j in listed] == [done["id"], preview["id"]]


def test_a_mapping_can_be_sent(client, factory):
    t = factory.tenant()
    data = b"Shop,Contact\nMapped Co,mapped@example.com\n"
    body = finished(client, t, upload(client, t, data, dry_run=False, mapping=json.dumps(
        {"Shop": "company_name", "Contact": "email"})).json()["id"])
    assert body["created"] == 1 and body["mapping"] == {"Shop": "company_name",
                                                        "Contact": "email"}
    bad = upload(client, t, data, mapping="[1, 2]")
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/mapping"


def test_a_bad_file_is_a_failed_import_with_its_reason(client, factory):
    t = factory.tenant()
    body = finished(client, t, upload(client, t, b"Colour,Size\nred,9\n").json()["id"])
    assert body["status"] == "failed" and "No column identifies" in body["message"]


def test_uploads_over_the_limit_are_refused_early(client, factory, monkeypatch):
    t = factory.tenant()
    monkeypatch.setattr(get_settings(), "import_max_bytes", 10)
    response = upload(client, t, b"Company\n" + b"x" * 100 + b"\n")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    # A body whose Content-Length is over the limit is refused before it is read.
    huge = upload(client, t, b"Company\n" + b"x" * (2 * 1024 * 1024) + b"\n")
    assert huge.status_code == 413 and "IMPORT_MAX_BYTES" in huge.json()["detail"]
    assert client.get("/api/v1/imports", headers=t.headers).json() == []


def test_imports_are_private_to_their_workspace(client, factory):
    t, other = factory.tenant(), factory.tenant()
    job = finished(client, t, upload(client, t).json()["id"])
    assert client.get(f"/api/v1/imports/{job['id']}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/imports", headers=other.headers).json() == []
    viewer = factory.member(t, "viewer")
    assert upload(client, t).status_code == 202
    assert client.post("/api/v1/imports", headers=viewer, files={
        "file": ("c.csv", CSV, "text/csv")}).status_code == 403


def test_a_dry_run_is_committed_as_previewed(client, factory):
    t = factory.tenant()
    preview = finished(client, t, upload(client, t).json()["id"])
    started = client.post(f"/api/v1/imports/{preview['id']}:commit", headers=t.headers)
    assert started.status_code == 202, started.text
    done = finished(client, t, started.json()["id"])
    assert (done["dry_run"], done["created"], done["rejected"]) == (False, 1, 1)
    assert {k: done[k] for k in ("created", "updated", "unchanged", "rejected")} == {
        k: preview[k] for k in ("created", "updated", "unchanged", "rejected")}
    again = client.post(f"/api/v1/imports/{preview['id']}:commit", headers=t.headers)
    assert again.status_code == 409  # a preview is committed once
    other = factory.tenant()
    assert client.post(f"/api/v1/imports/{preview['id']}:commit",
                       headers=other.headers).status_code == 404


def test_an_old_preview_gives_its_file_back(client, factory, session):
    from datetime import timedelta
    from pathlib import Path

    from patronage.imports.models import Import

    t = factory.tenant()
    preview = finished(client, t, upload(client, t).json()["id"])
    job = session.get(Import, preview["id"])
    kept = Path(job.source_path)
    assert kept.is_file()
    job.finished_at = job.finished_at - timedelta(days=2)
    session.commit()
    client.get("/api/v1/imports", headers=t.headers)
    assert not kept.exists()
    assert client.post(f"/api/v1/imports/{preview['id']}:commit",
                       headers=t.headers).status_code == 409


def test_imports_are_for_admins(client, factory):
    """Issue 12 (policy): a sales rep may not preview or commit an import."""
    t = factory.tenant()
    rep = factory.member(t, "sales_rep")
    response = client.post("/api/v1/imports", headers=rep, data={"dry_run": "true"},
                           files={"file": ("a.csv", b"Company\nRep Co\n", "text/csv")})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
