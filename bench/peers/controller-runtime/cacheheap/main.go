// One heap measurement of `npm run bench:cache` for controller-runtime, the Go counterpart of
// bench/cache-heap.ts, in a fresh process: warm up (one cache synced, stopped and dropped, so that the
// client, the RESTMapper's discovery and the decoders are in the baseline), take a baseline after forced GC,
// sync a second cache of the same ConfigMaps, force GC again, print the retained bytes per cached object as JSON.
//
//	cacheheap <kubeconfig> <default|stripped> <namespace|-> <labelSelector>
//
// default is controller-runtime's default cache (managedFields kept); stripped sets
// DefaultTransform: cache.TransformStripManagedFields(), which is what Capstan's cache does by default.
// The cache is built by cache.New with the ConfigMaps restricted by ByObject's label selector and, when a
// namespace is given, by DefaultNamespaces: the same list and watch as cache-heap.ts's Informer.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// settledHeap is HeapAlloc once garbage is collected: two collections, so that objects freed by the first
// one's finalizers are gone too.
func settledHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// syncCache starts a cache of the ConfigMaps and returns it once its informer has synced, with the function
// that stops its watch (the store stays, as cache-heap.ts's stopped Informer keeps its objects).
func syncCache(cfg *rest.Config, options cache.Options) (cache.Cache, context.CancelFunc) {
	c, err := cache.New(cfg, options)
	if err != nil {
		fail("cache.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := c.GetInformer(ctx, &corev1.ConfigMap{}); err != nil {
		fail("GetInformer: %v", err)
	}
	go func() {
		if err := c.Start(ctx); err != nil {
			fail("cache.Start: %v", err)
		}
	}()
	syncCtx, stopWaiting := context.WithTimeout(ctx, 5*time.Minute)
	defer stopWaiting()
	if !c.WaitForCacheSync(syncCtx) {
		fail("the cache did not sync within 5 minutes")
	}
	return c, cancel
}

func main() {
	if len(os.Args) != 5 || (os.Args[2] != "default" && os.Args[2] != "stripped") {
		fail("usage: cacheheap <kubeconfig> <default|stripped> <namespace|-> <labelSelector>")
	}
	kubeconfig, mode, namespace, selectorArg := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fail("kubeconfig: %v", err)
	}
	selector, err := labels.Parse(selectorArg)
	if err != nil {
		fail("label selector: %v", err)
	}
	// One HTTP client and RESTMapper for both caches, as one manager shares them between its caches.
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		fail("HTTP client: %v", err)
	}
	var mapper meta.RESTMapper
	if mapper, err = apiutil.NewDynamicRESTMapper(cfg, httpClient); err != nil {
		fail("RESTMapper: %v", err)
	}
	options := func() cache.Options {
		o := cache.Options{
			HTTPClient: httpClient,
			Scheme:     scheme.Scheme,
			Mapper:     mapper,
			ByObject:   map[client.Object]cache.ByObject{&corev1.ConfigMap{}: {Label: selector}},
		}
		if namespace != "-" {
			o.DefaultNamespaces = map[string]cache.Config{namespace: {}}
		}
		if mode == "stripped" {
			o.DefaultTransform = cache.TransformStripManagedFields()
		}
		return o
	}

	_, stopWarmUp := syncCache(cfg, options()) // warm-up, dropped
	stopWarmUp()
	time.Sleep(500 * time.Millisecond) // the stopped reflector's goroutine lets go of its objects
	before := settledHeap()
	c, stop := syncCache(cfg, options())
	stop()
	time.Sleep(500 * time.Millisecond)
	after := settledHeap()

	// Counted after the measurement, without deep copies: the list is garbage the measurement must not see.
	var list corev1.ConfigMapList
	if err := c.List(context.Background(), &list, client.UnsafeDisableDeepCopy); err != nil {
		fail("List: %v", err)
	}
	count := len(list.Items)
	out, _ := json.Marshal(map[string]any{"count": count, "bytesPerObject": (float64(after) - float64(before)) / float64(count)})
	fmt.Println(string(out))
}
