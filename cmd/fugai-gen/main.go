// Command fugai-gen writes synthetic market-regulation registration exports
// of 冷水滩区 (431103), shaped like shared/samples/registration.xlsx and
// registration-gbk.csv, for import benchmarks and crash tests:
//
//	fugai-gen -rows 1000000 -seed 1 -format csv|xlsx [-encoding utf8|gb18030] [-title] -o FILE
//
// The same flags give the same rows: byte-identical CSV, and xlsx with
// identical cell contents. Rows are streamed, so memory does not grow with
// -rows. Besides ordinary rows the export carries what an importer must cope
// with: about 0.1 % credit codes with a wrong check character, 0.01 %
// malformed codes, 0.1 % exact duplicates of an earlier row and 0.05 %
// conflicting duplicates (an earlier code with another name and address);
// addresses that name a township, a village or community, nothing resolvable,
// or another district; capital, dates and spacing in the sample's mixed forms.
// At the end it prints to standard error what it wrote (with those counts),
// the file size, the elapsed time and the peak resident memory.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fugai-gen:", err)
		os.Exit(1)
	}
}

// Output formats and CSV encodings.
const (
	formatCSV       = "csv"
	formatXLSX      = "xlsx"
	encodingUTF8    = "utf8"
	encodingGB18030 = "gb18030"
)

// maxRows bounds -rows for CSV; 31^9 organisation parts would allow far more,
// but a bigger file is a mistake rather than a benchmark.
const maxRows = 100_000_000

// options are the validated flags.
type options struct {
	rows     int
	seed     uint64
	format   string
	encoding string
	title    bool
	out      string // a path, or "-" for standard output
}

// run is the whole program.
func run(args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	dst := stdout
	var file *os.File
	if o.out != "-" {
		if file, err = os.Create(o.out); err != nil {
			return err
		}
		dst = file
	}
	cw := &countingWriter{w: dst}
	var t tally
	if o.format == formatXLSX {
		t, err = writeXLSX(cw, o)
	} else {
		t, err = writeCSV(cw, o)
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(o.out)
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	enc := ""
	if o.format == formatCSV {
		enc = ", " + o.encoding
	}
	fmt.Fprintf(stderr, "fugai-gen: wrote %d rows (%s%s) to %s: %d bytes (%.1f MiB) in %s, peak RSS %s\n",
		t.rows, o.format, enc, o.out, cw.n, float64(cw.n)/(1<<20), time.Since(start).Round(time.Millisecond), peakRSS())
	fmt.Fprintf(stderr, "fugai-gen: codes: %d wrong check digit, %d malformed; rows: %d exact duplicates, %d conflicting duplicates",
		t.wrongCheck, t.malformed, t.duplicates, t.conflicts)
	if o.format == formatXLSX {
		fmt.Fprintf(stderr, ", %d date cells", t.dateCells)
	}
	fmt.Fprintln(stderr)
	return nil
}

// parseOptions parses and validates the flags. -format defaults to the
// output file's extension (csv otherwise); -title defaults to on for xlsx
// and off for CSV, like the samples.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("fugai-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fugai-gen -rows N -seed S -format csv|xlsx [-encoding utf8|gb18030] [-title] -o FILE")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.rows, "rows", 1000, "number of data rows, duplicates included")
	fs.Uint64Var(&o.seed, "seed", 1, "seed; the same seed and flags give the same rows")
	fs.StringVar(&o.format, "format", "", "csv or xlsx (default: from the -o extension, else csv)")
	fs.StringVar(&o.encoding, "encoding", encodingUTF8, "CSV encoding: utf8 or gb18030")
	fs.BoolVar(&o.title, "title", false, "write a title row above the header (default on for xlsx, off for csv)")
	fs.StringVar(&o.out, "o", "", "output file, or - for standard output")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q: every setting is a flag", fs.Args())
	}
	if o.out == "" {
		return o, errors.New("-o is required: the output file, or - for standard output")
	}
	if o.format == "" {
		o.format = formatCSV
		if strings.EqualFold(filepath.Ext(o.out), ".xlsx") {
			o.format = formatXLSX
		}
	}
	switch o.format {
	case formatCSV, formatXLSX:
	default:
		return o, fmt.Errorf("-format %q: want csv or xlsx", o.format)
	}
	switch o.encoding {
	case encodingUTF8, encodingGB18030:
	default:
		return o, fmt.Errorf("-encoding %q: want utf8 or gb18030", o.encoding)
	}
	if o.format == formatXLSX && o.encoding != encodingUTF8 {
		return o, errors.New("-encoding applies to csv only: xlsx is always UTF-8")
	}
	if !set["title"] {
		o.title = o.format == formatXLSX
	}
	if o.rows < 0 || o.rows > maxRows {
		return o, fmt.Errorf("-rows %d: want 0 to %d", o.rows, maxRows)
	}
	if o.format == formatXLSX {
		extra, above := 1, "header"
		if o.title {
			extra, above = 2, "header and title"
		}
		if o.rows+extra > maxSheetRows {
			return o, fmt.Errorf("-rows %d: an xlsx sheet holds %d rows, so at most %d data rows with %s",
				o.rows, maxSheetRows, maxSheetRows-extra, above)
		}
	}
	return o, nil
}

// countingWriter counts the bytes written through it: the output's size,
// also when it is standard output.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// peakRSS reads the process's peak resident set size (VmHWM) from
// /proc/self/status; it returns "unknown" where there is no /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(v, &kb); err == nil {
				return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
