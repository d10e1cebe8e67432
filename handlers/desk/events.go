package desk

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
)

// /preview/events is the live reload's server-sent event stream. Each
// event is the content's state after a reload: the version served and the
// problems of the files on disk. The page's script (handlers/page/static/live.js)
// reloads when the version differs from the one it was rendered from, and
// shows the problems instead of reloading while there are any.

// liveEvent is the data of one event.
type liveEvent struct {
	Version  string           `json:"version"`
	Problems content.Problems `json:"problems"`
}

const (
	// eventPing is how often an idle stream sends a comment, so proxies
	// keep it open and a gone browser is noticed.
	eventPing = 25 * time.Second
	// eventWriteTimeout bounds each write to a stream: a browser that
	// stops reading is dropped rather than holding a goroutine for ever.
	eventWriteTimeout = 10 * time.Second
	// eventRetry is how soon a browser reconnects after the stream ends,
	// for instance when the server restarts.
	eventRetry = "1000"
)

func (d *Desk) Events(c echo.Context) error {
	ch, stop := d.content.Subscribe()
	defer stop()

	w := c.Response()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives as long as the page. Each write sets its own deadline.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}

	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	send := func(ev liveEvent) bool {
		if ev.Problems == nil {
			ev.Problems = content.Problems{}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return false
		}
		return write([]byte("data: " + string(b) + "\n\n"))
	}

	// The state now, so a page opened while the content is broken shows
	// the problems at once, and a page rendered just before a reload
	// notices it.
	if !write([]byte("retry: "+eventRetry+"\n\n")) ||
		!send(liveEvent{Version: d.content.Content().Version, Problems: d.content.Problems()}) {
		return nil
	}
	ping := time.NewTicker(eventPing)
	defer ping.Stop()
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-d.done:
			return nil
		case ev := <-ch:
			if !send(liveEvent{Version: ev.Version, Problems: ev.Problems}) {
				return nil
			}
		case <-ping.C:
			if !write([]byte(": ping\n\n")) {
				return nil
			}
		}
	}
}
