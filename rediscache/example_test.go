package rediscache_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harborai/harbor-go/rediscache"
)

// Open a Cache from a URL; give it to harbor as CacheConfig.Shared. (Not run: it
// needs a Redis.)
func ExampleOpen() {
	shared, err := rediscache.Open(os.Getenv("REDIS_URL"), rediscache.Options{Prefix: "myapp:harbor:"})
	if err != nil {
		fmt.Println(err) // a malformed URL, without its password
		return
	}
	defer shared.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := shared.Set(ctx, "ns:digest", []byte("answer"), time.Hour); err != nil {
		fmt.Println("Redis is down; harbor would count a miss:", err)
	}
}

// Wrap a client of your own, with the short timeouts a cache tier wants.
func ExampleNew() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"redis-0:6379", "redis-1:6379", "redis-2:6379"},
		DialTimeout:           rediscache.DefaultDialTimeout,
		ReadTimeout:           rediscache.DefaultReadTimeout,
		WriteTimeout:          rediscache.DefaultWriteTimeout,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
	})
	defer client.Close() // New's Cache does not close it
	shared := rediscache.New(client)
	_ = shared
}
