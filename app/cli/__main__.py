"""`python -m app.cli …` is `soi …`."""

from app.cli.main import main

raise SystemExit(main())
