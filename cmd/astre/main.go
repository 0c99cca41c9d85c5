// Command astre is ASTRE, an LTI 1.3 tool for learner tracking surveys.
//
// Usage:
//
//	astre serve                  run the tool
//	astre demo                   run the tool with a demo LMS, to try it in a browser
//	astre platform add|list|remove|register-link
//	astre deployment add|remove
//	astre keys list|rotate
//	astre backup FILE | restore FILE
//	astre demo-data
//	astre admin create|password
//	astre token create|list|revoke
//	astre loadtest --target URL       measure a running ASTRE from a fake platform
//
// Every subcommand takes the same settings as flags or environment
// variables (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "astre:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `astre: learner tracking surveys for quality assurance, an LTI 1.3 tool

Commands:
  serve                          run the tool
  demo                           run the tool with a demo course on a demo LMS
  platform add|list|remove       manage registered LTI platforms
  platform register-link         print a one-time Dynamic Registration link
  deployment add|remove          manage a platform's deployment ids
  keys list|rotate               manage the tool's signing keys
  backup FILE                    copy the database consistently, also while serving
  restore FILE                   replace the database with a backup (server stopped)
  demo-data                      add synthetic courses, learners and answers
  admin create|password          manage the provider's administrator accounts
  token create|list|revoke       manage API tokens for the provider's QA system
  loadtest --target URL          play a platform's learners against a running ASTRE, and measure it

Run "astre COMMAND -h" for a command's flags.
`

// run is the whole program: it reads arguments and the environment here
// only, and passes settings down explicitly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command: %w", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return demo(ctx, rest, getenv, stdout, stderr)
	case "platform":
		return platformCommand(ctx, rest, getenv, stdout, stderr)
	case "deployment":
		return deploymentCommand(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return keysCommand(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCommand(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return restoreCommand(ctx, rest, getenv, stdout, stderr)
	case "demo-data":
		return demoData(ctx, rest, getenv, stdout, stderr)
	case "admin":
		return adminCommand(ctx, rest, getenv, stdout, stderr)
	case "token":
		return tokenCommand(ctx, rest, getenv, stdout, stderr)
	case "loadtest":
		return loadtest(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
	}
}

// newFlags makes a subcommand's flag set with the shared settings on it.
func newFlags(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *settings, error) {
	fs := flag.NewFlagSet("astre "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := &settings{}
	if err := s.register(fs, getenv); err != nil {
		return nil, nil, err
	}
	return fs, s, nil
}

// parseFlags parses and checks; extra positional arguments are refused.
func parseFlags(fs *flag.FlagSet, s *settings, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: %w", fs.Arg(0), errUsage)
	}
	return s.check()
}
