"""The cube's row counts: Home's new report rows and the map's reports per area count report rows."""
import os

from sqlalchemy import create_engine, text

from tests.pages.conftest import no_exception, run_page


def _count(where: str) -> int:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM facts f JOIN locations l ON f.location_id = l.id "
                              f"WHERE f.replaced_by IS NULL AND {where}")).scalar_one()
    engine.dispose()
    return int(n)


def test_new_report_rows_since_the_meeting_count_report_rows() -> None:
    at = run_page("Home.py")
    no_exception(at)
    metric = next(m for m in at.metric if m.label == "New report rows")
    meeting = at.selectbox(key="w_meeting").value
    assert int(str(metric.value).replace(",", "")) == _count(
        f"f.period_month BETWEEN '{meeting:%Y-%m}' AND '2026-11'")
