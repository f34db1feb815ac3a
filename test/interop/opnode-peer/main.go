// opnode-peer: op-node's own p2p code (github.com/ethereum-optimism/optimism/op-node/p2p, a module
// dependency) as a test peer for op-follow, driven over JSON lines.
//
// stdin, one command a line:  {"id": 1, "cmd": "start", "params": {...}}
// stdout, one line each:      {"id": 1, "ok": true, "result": {...}} | {"id": 1, "ok": false, "error": "..."}
//
//	{"event": "message"|"duplicate"|"payload", ...} (unsolicited)
//
// stderr: op-node's logs. The process exits when stdin closes.
//
// Commands: start, connect {addr}, publish {topic, version, payload, key}, prepare + publishPrepared
// {handle} (the bench), msgId {topic, data}, scores, peers, topicPeers, ping {peer}, stop. See
// node.go, crosssafe.go, publish.go, control.go.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/ethereum/go-ethereum/log"
)

type event map[string]any

type request struct {
	ID     int64           `json:"id"`
	Cmd    string          `json:"cmd"`
	Params json.RawMessage `json:"params"`
}

func main() {
	level := slog.LevelWarn
	if os.Getenv("OPNODE_PEER_LOG") == "debug" {
		level = slog.LevelDebug
	}
	lg := log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, level, false))

	// One writer goroutine: pubsub's tracer calls emit synchronously and must never block on stdout.
	out := make(chan []byte, 65536)
	done := make(chan struct{})
	go func() {
		w := bufio.NewWriter(os.Stdout)
		for line := range out {
			_, _ = w.Write(line)
			_ = w.WriteByte('\n')
			if len(out) == 0 {
				_ = w.Flush()
			}
		}
		_ = w.Flush()
		close(done)
	}()
	emit := func(e event) {
		b, err := json.Marshal(e)
		if err != nil {
			b, _ = json.Marshal(event{"event": "error", "error": err.Error()})
		}
		out <- b
	}

	ctx, cancel := context.WithCancel(context.Background())
	c := &control{ctx: ctx, log: lg, emit: emit}
	var wg sync.WaitGroup
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20) // 9.5 MiB payloads travel as hex
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			emit(event{"ok": false, "error": fmt.Sprintf("bad request: %v", err)})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.handle(&req)
			if err != nil {
				emit(event{"id": req.ID, "ok": false, "error": err.Error()})
				return
			}
			emit(event{"id": req.ID, "ok": true, "result": res})
		}()
	}
	cancel()
	wg.Wait()
	c.close()
	close(out)
	<-done
}
