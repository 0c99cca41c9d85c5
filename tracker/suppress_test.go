package tracker

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// entries lays a suppressed table out as the (R+1)×(C+1) grid of cells,
// row totals (last column), column totals (last row) and grand total.
// A one-row table is 1×(C+1): its column totals are its cells.
func entries(s SuppressedTable) [][]Cell {
	var g [][]Cell
	for i, row := range s.Cells {
		g = append(g, append(append([]Cell{}, row...), s.RowTotals[i]))
	}
	if len(s.Cells) > 1 {
		g = append(g, append(append([]Cell{}, s.ColTotals...), s.Total))
	}
	return g
}

// bridges is an independent check of recoverability for a two-way table
// with all margins published: a hidden entry of the grid is determined
// exactly when it is a bridge of the bipartite graph whose vertices are
// the grid's rows and columns and whose edges are its hidden entries (a
// hidden entry on a cycle can move by ±1 around the cycle and keep every
// sum). It returns the bridges.
func bridges(g [][]Cell) [][2]int {
	rows, cols := len(g), len(g[0])
	var edges [][2]int
	for i := range rows {
		for j := range cols {
			if g[i][j].Hidden {
				edges = append(edges, [2]int{i, j})
			}
		}
	}
	var out [][2]int
	for skip, e := range edges {
		// Is e's column reachable from e's row without e?
		seen := map[int]bool{e[0]: true}
		stack := []int{e[0]}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for k, f := range edges {
				if k == skip {
					continue
				}
				a, b := f[0], rows+f[1]
				for _, pair := range [][2]int{{a, b}, {b, a}} {
					if pair[0] == v && !seen[pair[1]] {
						seen[pair[1]] = true
						stack = append(stack, pair[1])
					}
				}
			}
		}
		if !seen[rows+e[1]] {
			out = append(out, e)
		}
	}
	return out
}

// checkSuppressed fails t when s shows a count below k, hides a count
// wrongly, alters a count, or leaves a hidden count recoverable.
func checkSuppressed(t *testing.T, name string, counts [][]int, k int, s SuppressedTable) {
	t.Helper()
	truth := Table{Counts: counts}.truth()
	g := entries(s)
	for i := range g {
		for j := range g[i] {
			c := g[i][j]
			if c.N != truth[i][j] {
				t.Fatalf("%s: entry (%d,%d) = %d, want %d", name, i, j, c.N, truth[i][j])
			}
			if !c.Hidden && c.N < k {
				t.Errorf("%s: entry (%d,%d) = %d shown, below k=%d", name, i, j, c.N, k)
			}
			if c.Hidden && c.Value() != 0 {
				t.Errorf("%s: hidden entry (%d,%d) has Value %d", name, i, j, c.Value())
			}
		}
	}
	if len(g) == 1 {
		hidden := 0
		for _, c := range g[0] {
			if c.Hidden {
				hidden++
			}
		}
		if hidden == 1 {
			t.Errorf("%s: one hidden entry in a row with its total: recoverable by subtraction", name)
		}
		return
	}
	if b := bridges(g); len(b) > 0 {
		t.Errorf("%s: hidden entries %v recoverable from the totals; grid %v", name, b, g)
	}
	// The plainest attack too: one row or column with one hidden entry.
	for i := range g {
		if n := countHidden(g[i]); n == 1 {
			t.Errorf("%s: row %d has one hidden entry", name, i)
		}
	}
	for j := range g[0] {
		col := make([]Cell, len(g))
		for i := range g {
			col[i] = g[i][j]
		}
		if n := countHidden(col); n == 1 {
			t.Errorf("%s: column %d has one hidden entry", name, j)
		}
	}
}

func countHidden(cs []Cell) int {
	n := 0
	for _, c := range cs {
		if c.Hidden {
			n++
		}
	}
	return n
}

// truth is the grid of true values, laid out as entries does.
func (t Table) truth() [][]int {
	rows, cols := len(t.Counts), len(t.Counts[0])
	colTotals := make([]int, cols+1)
	var g [][]int
	for _, row := range t.Counts {
		sum := 0
		for j, n := range row {
			sum += n
			colTotals[j] += n
		}
		colTotals[cols] += sum
		g = append(g, append(append([]int{}, row...), sum))
	}
	if rows > 1 {
		g = append(g, colTotals)
	}
	return g
}

func TestSuppressCases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts [][]int
		k      int
		hidden [][]bool // of the entries grid; nil: only checked
	}{
		{"nothing small", [][]int{{10, 20}, {30, 40}}, 5, [][]bool{{false, false, false}, {false, false, false}, {false, false, false}}},
		{"one small cell needs a rectangle", [][]int{{3, 10}, {10, 12}}, 5, [][]bool{{true, true, false}, {true, true, false}, {false, false, false}}},
		{"one row, one small: the smallest other goes", [][]int{{2, 30, 40}}, 5, [][]bool{{true, true, false, false}}},
		{"one row, two small", [][]int{{2, 3, 40}}, 5, [][]bool{{true, true, false, false}}},
		{"all small", [][]int{{1, 2}, {0, 1}}, 5, nil},
		{"zeros are small too", [][]int{{60, 0, 50}}, 5, [][]bool{{false, true, true, false}}},
		{"single cell", [][]int{{4}}, 5, [][]bool{{true, true}}},
		{"a small total", [][]int{{2, 1}, {20, 30}}, 5, nil},
		{"k of one shows everything", [][]int{{0, 1}, {1, 0}}, 1, nil},
	} {
		s := Table{Counts: tc.counts}.Suppress(tc.k)
		checkSuppressed(t, tc.name, tc.counts, tc.k, s)
		if tc.hidden == nil {
			continue
		}
		g := entries(s)
		for i := range g {
			for j := range g[i] {
				if g[i][j].Hidden != tc.hidden[i][j] {
					t.Errorf("%s: entry (%d,%d) hidden %v, want %v", tc.name, i, j, g[i][j].Hidden, tc.hidden[i][j])
				}
			}
		}
	}
}

// TestSuppressGenerated checks the rules on many generated tables: sizes
// from 1×1 to 7×6, counts mostly small (the hard case), some large.
func TestSuppressGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2026))
	for n := range 3000 {
		rows, cols := 1+rng.IntN(7), 1+rng.IntN(6)
		k := []int{2, 3, 5, 10}[rng.IntN(4)]
		counts := make([][]int, rows)
		for i := range counts {
			counts[i] = make([]int, cols)
			for j := range counts[i] {
				switch rng.IntN(4) {
				case 0:
					counts[i][j] = rng.IntN(k) // below k
				case 1:
					counts[i][j] = k + rng.IntN(3) // just at k
				default:
					counts[i][j] = rng.IntN(60)
				}
			}
		}
		s := Table{Counts: counts}.Suppress(k)
		checkSuppressed(t, fmt.Sprintf("table %d %v k=%d", n, counts, k), counts, k, s)
		if t.Failed() {
			return
		}
	}
}

// TestBridgesDetectsRecovery makes sure the independent checker itself
// catches a recoverable pattern: two hidden cells in one row, their
// columns otherwise visible.
func TestBridgesDetectsRecovery(t *testing.T) {
	h, v := Cell{N: 3, Hidden: true}, Cell{N: 9}
	g := [][]Cell{{h, h, v}, {v, v, v}, {v, v, v}}
	if b := bridges(g); len(b) != 2 {
		t.Errorf("got bridges %v, want both hidden cells", b)
	}
	g = [][]Cell{{h, h, v}, {h, h, v}, {v, v, v}}
	if b := bridges(g); len(b) != 0 {
		t.Errorf("rectangle: got bridges %v, want none", b)
	}
}
