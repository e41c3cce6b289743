"""The `soi` command line: main (the parser and exit codes) and one module per command group."""
