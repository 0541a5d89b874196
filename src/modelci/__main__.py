from modelci.cli.main import main

main()
