package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
)

// Group commit. Every write goes to one goroutine that owns the writer
// connection. It takes the write waiting first, and with it every other
// write waiting at that moment (up to maxBatch), runs each in its own
// savepoint of one transaction and commits them together: one commit,
// with its WAL writes and locks, serves many requests when many arrive
// at once (a wave of launches), and a single write costs what it did.
// A write whose function fails is rolled back to its savepoint alone.
// Each caller returns only after the commit that holds its write, so
// nothing is acknowledged before it is durable.

// maxBatch bounds the writes one transaction carries.
const maxBatch = 64

// errClosed is returned by a write after Close.
var errClosed = errors.New("database closed")

// writeOp is one write waiting for the committer.
type writeOp struct {
	ctx  context.Context
	fn   func(context.Context, *sql.Tx) error
	done chan writeResult
}

type writeResult struct {
	err      error
	panicked any // fn panicked: the panic goes on in the caller's goroutine
}

// write runs fn in a transaction on the writer connection and returns
// once that transaction committed, or fn's error (constraint errors
// mapped to tracker error kinds), after which nothing fn did is kept. fn
// receives a context without ctx's cancellation: interrupting a statement
// would roll back the whole transaction, other requests' writes with it.
// ctx is checked before fn starts.
func (db *DB) write(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case db.writes <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.closing:
		return errClosed
	}
	// Taken by the committer: its outcome is known only after the commit.
	res := <-op.done
	if res.panicked != nil {
		panic(res.panicked)
	}
	return res.err
}

// commitLoop is the committer, until Close.
func (db *DB) commitLoop() {
	defer close(db.committerDone)
	for {
		var batch []*writeOp
		select {
		case op := <-db.writes:
			batch = append(batch, op)
		case <-db.closing:
			return
		}
		// Let the other runnable requests reach their writes first: on a
		// busy server they join this batch instead of each paying a commit.
		runtime.Gosched()
	more:
		for len(batch) < maxBatch {
			select {
			case op := <-db.writes:
				batch = append(batch, op)
			default:
				break more
			}
		}
		if db.batched != nil {
			db.batched(len(batch))
		}
		db.commit(batch)
	}
}

// commit runs a batch of writes in one transaction and tells each caller
// its outcome. Each write has a savepoint unless it is alone, when a
// failure rolls back the transaction.
func (db *DB) commit(batch []*writeOp) {
	results := make([]writeResult, len(batch))
	defer func() {
		for i, op := range batch {
			op.done <- results[i]
		}
	}()
	failed := func(i int) bool { return results[i].err != nil || results[i].panicked != nil }
	fail := func(err error) { // the transaction is lost: every write in it
		for i := range results {
			if !failed(i) {
				results[i].err = err
			}
		}
	}
	tx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	alone, kept := len(batch) == 1, 0
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if !alone {
			if _, err := tx.Exec(`SAVEPOINT write`); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		results[i] = run(op, tx)
		if !failed(i) {
			kept++
		}
		if alone {
			break
		}
		var err error
		if failed(i) {
			_, err = tx.Exec(`ROLLBACK TO write`)
		}
		if err == nil {
			_, err = tx.Exec(`RELEASE write`)
		}
		if err != nil {
			// SQLite ended the transaction itself (an I/O error, say):
			// the writes before this one are gone with it.
			tx.Rollback()
			fail(fmt.Errorf("write transaction aborted: %w", kind(err)))
			return
		}
	}
	if kept == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", kind(err)))
	}
}

// run calls one write's function, turning a panic into a result.
func run(op *writeOp, tx *sql.Tx) (res writeResult) {
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panicked: p}
		}
	}()
	if err := op.fn(context.WithoutCancel(op.ctx), tx); err != nil {
		return writeResult{err: kind(err)}
	}
	return writeResult{}
}
