// Command candor finds remote-control, data-exfiltration and forced-update
// capabilities in binaries, so a vendor can disclose them and a buyer can check the
// disclosure.
//
// Start with:
//
//	candor demo                       # build a sample that phones home, scan it, explain
//	candor scan ./app                 # scan your own executables
//	candor scan --format sarif -o candor.sarif ./dist/*
//	candor version --format json
//
// Exit codes: 0 the command did what was asked (a scan with findings included);
// 1 a negative verdict; 2 a usage or input error; 128+n interrupted by signal n (130 for
// SIGINT, 143 for SIGTERM). The first interrupt stops the command and says so on stderr; a
// command that has not stopped 2 seconds later, or a second interrupt, ends the process.
// Every flag can also be set with a CANDOR_* environment variable or in .candor.yaml; see
// 'candor help config'.
//
// This command is a thin shell over [github.com/candor-dev/candor/cmd/candor/internal/cli.Main];
// the work is done by the candor libraries.
package main
