from tidyclip.cli import main

raise SystemExit(main())
