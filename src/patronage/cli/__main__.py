from patronage.cli.main import main

if __name__ == "__main__":  # not again in a worker process
    main()
