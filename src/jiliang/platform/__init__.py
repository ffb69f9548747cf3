"""Platform layer: settings, database, accounts, access control, audit log, i18n, base templates."""
