package store

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements kept per connection. The store's
// queries are constant strings, a few dozen of them; the bound only
// matters for text built at run time (migrations, IN lists), which then
// goes unprepared once the cache is full.
const maxCachedStmts = 256

// cachingConnector opens modernc.org/sqlite connections that keep their
// prepared statements, keyed by SQL text, for the life of the connection.
//
// database/sql asks a driver that cannot run a query directly to prepare
// it, run it and close it; modernc.org/sqlite alone parses and plans the
// SQL again on every call, which a profile of a launch showed as the
// largest single cost (about a sixth of the server's CPU). The
// connections here implement neither Queryer nor Execer, so every
// statement goes through PrepareContext, which hands out the cached
// statement when it is free.
type cachingConnector struct {
	dsn string
	drv *sqlite.Driver
}

func newCachingConnector(dsn string) *cachingConnector {
	return &cachingConnector{dsn: dsn, drv: &sqlite.Driver{}}
}

// Connect opens one connection.
func (c *cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite connection lacks PrepareContext, BeginTx, Ping, ResetSession or IsValid")
	}
	return &cachingConn{conn: full, stmts: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what a modernc.org/sqlite connection offers and the
// caching connection passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what a modernc.org/sqlite statement offers.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// Driver returns the underlying driver.
func (c *cachingConnector) Driver() driver.Driver { return c.drv }

// cachingConn is one connection and its statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	conn  sqliteConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement kept by its connection. It is
// busy from the moment it is handed out until database/sql closes it,
// which for a query is after its rows are closed: a statement whose rows
// are still being read is never handed out a second time.
type cachedStmt struct {
	sqliteStmt
	busy bool
}

// Close gives the statement back to its connection.
func (s *cachedStmt) Close() error {
	s.busy = false
	return nil
}

// ExecContext runs the statement with the context when the driver can.
func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.sqliteStmt.ExecContext(ctx, args)
}

// QueryContext runs the statement with the context when the driver can.
func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.sqliteStmt.QueryContext(ctx, args)
}

// Prepare is PrepareContext without a context.
func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's statement for query, preparing
// it on first use. A statement already in use, or one more than the
// cache holds, is prepared for this use only.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok && !s.busy {
		s.busy = true
		return s, nil
	}
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(sqliteStmt)
	if _, cached := c.stmts[query]; cached || !ok || len(c.stmts) >= maxCachedStmts {
		return st, nil
	}
	s := &cachedStmt{sqliteStmt: full, busy: true}
	c.stmts[query] = s
	return s, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.sqliteStmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

// Begin starts a transaction.
//
// Deprecated: database/sql calls BeginTx; Begin completes driver.Conn.
func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx starts a transaction.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}

// Ping checks the connection.
func (c *cachingConn) Ping(ctx context.Context) error {
	return c.conn.Ping(ctx)
}

// ResetSession tells database/sql whether the connection can be reused.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.conn.ResetSession(ctx)
}

// IsValid tells database/sql whether to keep the connection in its pool.
func (c *cachingConn) IsValid() bool {
	return c.conn.IsValid()
}

// The interfaces the connection forwards, checked when compiled.
var (
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.StmtExecContext    = (*cachedStmt)(nil)
	_ driver.StmtQueryContext   = (*cachedStmt)(nil)
)
