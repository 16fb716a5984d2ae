"""Importing partner 4W and HXL files: readers, column mapping, normalisation, validation, the personal-data
guard, import / rollback / history, and the blank 4W template.

Nothing here imports streamlit: the CLI (``python -m data_sources import``) and the Import page share it.
"""

from data_sources.importing.errors import ImportFileError, Problem, Report, problems_frame
from data_sources.importing.mappings import find_mapping, guess_mapping, header_keys, remember_mapping, save_mapping
from data_sources.importing.pipeline import (
    FILE_SOURCE,
    ImportPlan,
    ImportResult,
    MappingNeeded,
    RollbackResult,
    import_file,
    import_history,
    import_plan,
    plan_import,
    rollback_batch,
    status_label,
)
from data_sources.importing.template import template_bytes

__all__ = [
    "FILE_SOURCE", "ImportFileError", "ImportPlan", "ImportResult", "MappingNeeded", "Problem", "Report",
    "RollbackResult", "find_mapping", "guess_mapping", "header_keys", "import_file", "import_history", "remember_mapping",
    "import_plan", "plan_import", "problems_frame", "rollback_batch", "save_mapping", "status_label",
    "template_bytes",
]
