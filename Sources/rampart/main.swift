import RampartCLI

await RampartCommand.main()
