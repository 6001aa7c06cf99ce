"""What every blueprint shares and none owns: configuration, extensions, logging, templates, resources."""
