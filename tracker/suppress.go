package tracker

import "math"

// Small-cell suppression (DOMAIN.md, "Consent and privacy"). A report
// table is published with its totals, and totals are sums: hiding a small
// cell is not enough when it can be recovered by subtracting the visible
// cells of its row from the row total. So a table is modelled as a set of
// counts (cells and totals) and the additive relations between them; a
// hidden count is recoverable exactly when the relations, restricted to
// the hidden counts once the visible ones are known, pin it down to one
// value. Suppress hides every count below k (primary suppression), then
// hides further counts (complementary suppression), cheapest first, until
// no hidden count is recoverable.

// DefaultK is the smallest count a report shows.
const DefaultK = 5

// DefaultSensitiveK is the smallest count shown for special-category
// variables (health: the Washington Group items).
const DefaultSensitiveK = 10

// Cell is one count of a report table as shown: N is meaningful only
// when Hidden is false.
type Cell struct {
	N      int
	Hidden bool
}

// Value returns N, or 0 for a hidden cell, so a hidden count never leaks
// through a template that forgets to check.
func (c Cell) Value() int {
	if c.Hidden {
		return 0
	}
	return c.N
}

// Table is a cross-tabulation of counts, Rows × Cols, published with its
// row totals, column totals and grand total. A one-row table publishes
// its row total only: its column totals would repeat its cells.
type Table struct {
	Counts [][]int
}

// SuppressedTable is a Table after suppression.
type SuppressedTable struct {
	Cells     [][]Cell
	RowTotals []Cell
	ColTotals []Cell // nil for a one-row table
	Total     Cell
}

// term is one count in a relation, with its sign.
type term struct {
	v    int
	sign float64
}

// grid is the counts of a table and the relations that hold between them:
// each relation's signed terms sum to zero.
type grid struct {
	values    []int
	cost      []int // what hiding each count loses; totals cost more
	relations [][]term
}

// Suppress hides the counts of t below k and the complementary counts
// needed so that no hidden count can be recovered from the visible ones.
func (t Table) Suppress(k int) SuppressedTable {
	rows := len(t.Counts)
	if rows == 0 {
		return SuppressedTable{Total: Cell{N: 0, Hidden: k > 0}}
	}
	cols := len(t.Counts[0])
	g := &grid{}
	add := func(n, penalty int) int {
		g.values = append(g.values, n)
		g.cost = append(g.cost, n+penalty)
		return len(g.values) - 1
	}
	cell := make([][]int, rows)
	rowTotal := make([]int, rows)
	colTotal := make([]int, cols)
	total := 0
	for i := range rows {
		cell[i] = make([]int, cols)
		for j := range cols {
			n := t.Counts[i][j]
			cell[i][j] = add(n, 0)
			rowTotal[i] += n
			colTotal[j] += n
			total += n
		}
	}
	// Totals are what readers rely on most: hide them only when nothing
	// cheaper protects a cell.
	const totalPenalty, grandPenalty = 1 << 20, 1 << 30
	rowVar := make([]int, rows)
	for i := range rows {
		rowVar[i] = add(rowTotal[i], totalPenalty)
		rel := []term{{rowVar[i], -1}}
		for j := range cols {
			rel = append(rel, term{cell[i][j], 1})
		}
		g.relations = append(g.relations, rel)
	}
	totalVar := rowVar[0]
	var colVar []int
	if rows > 1 {
		totalVar = add(total, grandPenalty)
		colVar = make([]int, cols)
		for j := range cols {
			colVar[j] = add(colTotal[j], totalPenalty)
			rel := []term{{colVar[j], -1}}
			for i := range rows {
				rel = append(rel, term{cell[i][j], 1})
			}
			g.relations = append(g.relations, rel)
		}
		rowSum, colSum := []term{{totalVar, -1}}, []term{{totalVar, -1}}
		for i := range rows {
			rowSum = append(rowSum, term{rowVar[i], 1})
		}
		for j := range cols {
			colSum = append(colSum, term{colVar[j], 1})
		}
		g.relations = append(g.relations, rowSum, colSum)
	}
	hidden := g.suppress(k)
	show := func(v int) Cell { return Cell{N: g.values[v], Hidden: hidden[v]} }
	out := SuppressedTable{Cells: make([][]Cell, rows), RowTotals: make([]Cell, rows), Total: show(totalVar)}
	for i := range rows {
		out.Cells[i] = make([]Cell, cols)
		for j := range cols {
			out.Cells[i][j] = show(cell[i][j])
		}
		out.RowTotals[i] = show(rowVar[i])
	}
	for _, v := range colVar {
		out.ColTotals = append(out.ColTotals, show(v))
	}
	return out
}

// suppress returns which counts to hide.
func (g *grid) suppress(k int) []bool {
	hidden := make([]bool, len(g.values))
	for v, n := range g.values {
		hidden[v] = n < k
	}
	for {
		h := g.firstRecoverable(hidden)
		if h < 0 {
			return hidden
		}
		hidden[g.complement(h, hidden)] = true
	}
}

// complement picks the visible count to hide so that h is protected: the
// cheapest one that alone makes h unrecoverable, else the cheapest one
// sharing a relation with h (the loop then continues), else any.
func (g *grid) complement(h int, hidden []bool) int {
	best, bestCost := -1, math.MaxInt
	for v := range g.values {
		if hidden[v] || g.cost[v] >= bestCost {
			continue
		}
		hidden[v] = true
		if !g.recoverable(h, hidden) {
			best, bestCost = v, g.cost[v]
		}
		hidden[v] = false
	}
	if best >= 0 {
		return best
	}
	for _, rel := range g.relations {
		if !g.mentions(rel, h) {
			continue
		}
		for _, t := range rel {
			if !hidden[t.v] && g.cost[t.v] < bestCost {
				best, bestCost = t.v, g.cost[t.v]
			}
		}
	}
	if best >= 0 {
		return best
	}
	for v := range g.values {
		if !hidden[v] && g.cost[v] < bestCost {
			best, bestCost = v, g.cost[v]
		}
	}
	return best
}

func (g *grid) mentions(rel []term, v int) bool {
	for _, t := range rel {
		if t.v == v {
			return true
		}
	}
	return false
}

// firstRecoverable returns a hidden count the relations determine, or -1.
func (g *grid) firstRecoverable(hidden []bool) int {
	for _, v := range g.determined(hidden) {
		return v
	}
	return -1
}

func (g *grid) recoverable(h int, hidden []bool) bool {
	for _, v := range g.determined(hidden) {
		if v == h {
			return true
		}
	}
	return false
}

// determined lists the hidden counts whose value follows from the visible
// ones. With the visible counts known, the relations become a linear
// system A·x = b over the hidden counts x; x_h is determined exactly when
// the unit vector e_h lies in the row space of A, that is when the
// reduced row echelon form of A has a row equal to e_h.
func (g *grid) determined(hidden []bool) []int {
	var cols []int
	index := make(map[int]int)
	for v, h := range hidden {
		if h {
			index[v] = len(cols)
			cols = append(cols, v)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	var m [][]float64
	for _, rel := range g.relations {
		row := make([]float64, len(cols))
		used := false
		for _, t := range rel {
			if c, ok := index[t.v]; ok {
				row[c] += t.sign
				used = true
			}
		}
		if used {
			m = append(m, row)
		}
	}
	reduce(m)
	var out []int
	for _, row := range m {
		nonzero, at := 0, -1
		for c, x := range row {
			if math.Abs(x) > eps {
				nonzero++
				at = c
			}
		}
		if nonzero == 1 {
			out = append(out, cols[at])
		}
	}
	return out
}

const eps = 1e-9

// reduce brings m to reduced row echelon form in place. The entries are
// small integers (±1 sums), so float64 with a tolerance is exact enough.
func reduce(m [][]float64) {
	if len(m) == 0 {
		return
	}
	r := 0
	for c := 0; c < len(m[0]) && r < len(m); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > eps && (p < 0 || math.Abs(m[i][c]) > math.Abs(m[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		pivot := m[r][c]
		for j := range m[r] {
			m[r][j] /= pivot
		}
		for i := range m {
			if i == r || math.Abs(m[i][c]) <= eps {
				continue
			}
			f := m[i][c]
			for j := range m[i] {
				m[i][j] -= f * m[r][j]
			}
		}
		r++
	}
}
