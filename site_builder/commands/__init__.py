"""The command line's subcommands; `site_builder.cli` lists them."""
