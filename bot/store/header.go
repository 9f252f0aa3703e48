package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's on-disk header, as far as checkHeader reads it: two meta pages
// at the start of the file, each a 16-byte page header followed by the
// meta: magic, version, page size, flags, root bucket (16 bytes), freelist
// page, high-water page id, transaction id and an FNV-64a checksum of the
// preceding meta bytes.
const (
	boltMagic      = 0xED0CDAED
	pageHeaderSize = 16
	metaSize       = 56 // magic … txid, then the checksum
	minPageSize    = 512
	maxPageSize    = 64 << 10
)

// checkHeader validates the meta pages of the file at path before bbolt
// maps it: bbolt trusts them and would fault or panic on a truncated or
// overwritten file, leaving the file open and locked. An empty or missing
// file is fine (Open creates it).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		return nil
	}
	first := make([]byte, pageHeaderSize+metaSize+8)
	if _, err := io.ReadFull(f, first); err != nil {
		return fmt.Errorf("file is %d bytes, too short for a data file header", info.Size())
	}
	pageSize := int64(binary.LittleEndian.Uint32(first[pageHeaderSize+8:]))
	if pageSize < minPageSize || pageSize > maxPageSize {
		// Meta 0 may be the damaged one: try meta 1 at the usual page size.
		pageSize = int64(os.Getpagesize())
	}
	var best *boltMeta
	for i := int64(0); i < 2; i++ {
		buf := make([]byte, pageHeaderSize+metaSize+8)
		if _, err := f.ReadAt(buf, i*pageSize); err != nil {
			continue
		}
		if m, ok := parseMeta(buf[pageHeaderSize:]); ok && (best == nil || m.txid > best.txid) {
			best = &m
		}
	}
	if best == nil {
		return errors.New("no valid header (neither meta page checks out): not a data file, or overwritten")
	}
	if need := int64(best.pgid) * int64(best.pageSize); need > info.Size() {
		return fmt.Errorf("file is %d bytes but its header says %d (truncated)", info.Size(), need)
	}
	// bbolt reads these two pages while opening, where a panic would leave
	// the file locked: check their types first.
	if err := checkPage(f, best, best.root, "root", pageBranch, pageLeaf); err != nil {
		return err
	}
	if best.freelist != noFreelist {
		return checkPage(f, best, best.freelist, "freelist", pageFreelist)
	}
	return nil
}

// Page type flags in a bbolt page header, and the "no freelist" page id.
const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageFreelist = 0x10
	noFreelist   = ^uint64(0)
)

func checkPage(f *os.File, m *boltMeta, id uint64, what string, flags ...uint16) error {
	if id < 2 || id >= m.pgid {
		return fmt.Errorf("%s page %d is outside the file's %d pages", what, id, m.pgid)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := f.ReadAt(hdr, int64(id)*int64(m.pageSize)); err != nil {
		return fmt.Errorf("read %s page: %w", what, err)
	}
	got := binary.LittleEndian.Uint16(hdr[8:])
	for _, want := range flags {
		if got == want && binary.LittleEndian.Uint64(hdr[0:]) == id {
			return nil
		}
	}
	return fmt.Errorf("%s page %d is damaged", what, id)
}

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// parseMeta decodes and checks one meta (without its page header).
func parseMeta(b []byte) (boltMeta, bool) {
	if binary.LittleEndian.Uint32(b[0:]) != boltMagic || binary.LittleEndian.Uint32(b[4:]) != 2 {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(b[:metaSize])
	if h.Sum64() != binary.LittleEndian.Uint64(b[metaSize:]) {
		return boltMeta{}, false
	}
	return boltMeta{
		pageSize: binary.LittleEndian.Uint32(b[8:]),
		root:     binary.LittleEndian.Uint64(b[16:]),
		freelist: binary.LittleEndian.Uint64(b[32:]),
		pgid:     binary.LittleEndian.Uint64(b[40:]),
		txid:     binary.LittleEndian.Uint64(b[48:]),
	}, true
}
