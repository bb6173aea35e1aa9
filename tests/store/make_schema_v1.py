"""Writes tests/data/schema-v1.annotator: a project file as schema version 1 made it.

Run once when schema 1 shipped; keep the file so every later migration is tested against it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotator.model.types import Article
from annotator.project import Project

TARGET = Path(__file__).parent.parent / "data" / "schema-v1.annotator"


def main() -> None:
    TARGET.unlink(missing_ok=True)
    project = Project.open(TARGET)
    store = project._store
    assert store.schema_version == 1, "regenerate only with the schema-1 code"
    with store.write():
        article_id, _ = store.add_article(
            Article(text="Lavrov 🇷🇺 mengkritik AS.\nSeruan untuk perundingan.", title="v1", language="id")
        )
        ana, _ = store.ensure_annotator("ana", "00000000-0000-4000-8000-000000000001")
        label_id, _ = store.ensure_label("Blame / threat attribution")
        store.add_annotation(article_id=article_id, annotator_id=ana.id or 0, label_id=label_id,
                             start=0, end=6, text="Lavrov", annotation_uuid="00000000-0000-4000-8000-0000000000aa")
        store.set_status(article_id=article_id, annotator_id=ana.id or 0, status="done")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    project.close()
    for suffix in ("-wal", "-shm"):
        Path(str(TARGET) + suffix).unlink(missing_ok=True)
    sys.stderr.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
