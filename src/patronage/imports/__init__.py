"""Customer imports: any spreadsheet's CSV in, mapped, previewed, then committed whole."""
