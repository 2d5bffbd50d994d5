from patronage.cli.main import app

app(prog_name="patronage")
