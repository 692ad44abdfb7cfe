"""The one import engine for spreadsheets (officers, training records, questions): XLSX or CSV, validated in
full before anything is stored, errors by row and column, all or nothing, idempotent."""
