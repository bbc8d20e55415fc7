package archive

import (
	"io"
	"os"
	"testing"
)

func TestSpoolBudget(t *testing.T) {
	s := newSpools(10)
	a := s.start("a")
	if a == nil {
		t.Fatal("no spool")
	}
	a.Write([]byte("12345"))
	b := s.start("b")
	b.Write([]byte("123456")) // over what is left: dropped
	if s.reader("b") != nil {
		t.Error("a spool over the budget is still offered")
	}
	if _, err := b.f.Write([]byte("x")); err == nil {
		t.Error("a dropped spool's file is still open")
	}
	got, err := io.ReadAll(s.reader("a"))
	if err != nil || string(got) != "12345" {
		t.Errorf("spool a reads %q, %v", got, err)
	}
	// Dropping a gives its bytes back.
	s.keep("a", false)
	if s.reader("a") != nil || s.budget != 10 {
		t.Errorf("after dropping a: reader offered or budget %d, want 10", s.budget)
	}
	c := s.start("c")
	c.Write([]byte("0123456789"))
	if s.reader("c") == nil {
		t.Error("a spool that fits the budget exactly is refused")
	}
	s.close()
	if _, err := c.f.Write([]byte("x")); err == nil {
		t.Error("close left a spool open")
	}
	if _, err := os.Stat(c.f.Name()); !os.IsNotExist(err) {
		t.Errorf("close left %s", c.f.Name())
	}
	if newSpools(0).start("x") != nil {
		t.Error("a spool with no budget")
	}
}
