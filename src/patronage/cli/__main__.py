from patronage.cli.main import app

if __name__ == "__main__":  # not again in a worker process
    app(prog_name="patronage")
