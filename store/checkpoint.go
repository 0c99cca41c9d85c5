package store

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. Under WAL, committed pages are copied back into the
// database file by a checkpoint. SQLite runs one inside whichever commit
// pushes the WAL past its size limit, so that request waits for the copy
// and its fsync: with one learner at a time, the launch's p99 was 5.5 ms
// with those checkpoints and 1.4 ms without. Here a goroutine on its own
// connection checkpoints every checkpointEvery instead, in PASSIVE mode,
// which neither waits for nor blocks readers and the writer. The writer
// still checkpoints by itself past walBackstopPages (see pragmas), should
// the background ever fall that far behind.
const (
	checkpointEvery  = 250 * time.Millisecond
	walBackstopPages = 10000 // 40 MB of WAL with 4 KiB pages
)

// checkpointLoop checkpoints until Close. A checkpoint that fails (the
// file busy, say) is simply tried again at the next tick.
func (db *DB) checkpointLoop() {
	defer close(db.checkpointerDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-db.closing:
			return
		case <-tick.C:
			_, _ = db.checkpointer.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// openCheckpointer is the checkpoints' own connection.
func openCheckpointer(path string) *sql.DB {
	c := sql.OpenDB(newCachingConnector(dsn(path)))
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	return c
}
