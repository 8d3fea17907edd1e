from uwu_tui.cli import main

main()
