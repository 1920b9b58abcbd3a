// The ceiling: not an operator but the least work any HelloWorld operator must do, done as fast as the API
// server takes it, with the cheapest client there is (client-go, no cache, no queue). It lists and watches
// HelloWorlds (one list, one watch) and, for each generation it has not handled, sends exactly the writes a
// perfect operator makes: the ConfigMap (a create, or on a change of spec.name a merge patch of
// data.message), one status merge patch and one events.k8s.io Event, all three at once, up to
// --concurrency requests in flight. It reads nothing back and never retries. It lives in the Go peer's
// module only to share its dependencies; see bench/README.md.
//
// The three writes of one HelloWorld go out together, in no order: the status may land before the
// ConfigMap, which no operator may do (it would report Ready for a ConfigMap not yet written). That is what
// keeps it a ceiling; the operators are never reordered to come closer to it.
//
// --helloworlds=K bounds how many HelloWorlds it works on at once (a HelloWorld's slot is free again when
// its three writes have been answered), as K reconcile workers would; 0 (the default) leaves only
// --concurrency. The bench runs it as "ceiling" (--concurrency=50) and as "ceiling-4" (--helloworlds=4, the
// operators' 4 workers): the first is the API server's own limit, the second what 4 workers could reach
// with no overhead and no order between the writes, so an operator's gap to each tells concurrency from
// overhead.
//
// It trusts the status it finds: a HelloWorld already Ready=True at its generation (after a restart) gets no
// write, which is what a perfect operator with a perfect cache would do.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const managedBy = "hello-world-operator"

var helloWorlds = schema.GroupVersionResource{Group: "apps.example.com", Version: "v1alpha1", Resource: "helloworlds"}

type ceiling struct {
	dyn   dynamic.Interface
	core  kubernetes.Interface
	slots chan struct{}
	// One token per HelloWorld worked on (nil: no bound); taken before its writes, given back after all three.
	objects  chan struct{}
	handled  map[types.UID]int64
	failures atomic.Int64
}

// write is one request of a HelloWorld: what it is (for an error message) and how to send it.
type write struct {
	what string
	send func() error
}

// sendAll sends the writes of one HelloWorld at once, each when a request slot is free, and, with
// --helloworlds, only once the HelloWorld has a slot of its own. It returns at once: the watch goes on.
func (c *ceiling) sendAll(ctx context.Context, writes ...write) {
	go func() {
		if c.objects != nil {
			c.objects <- struct{}{}
			defer func() { <-c.objects }()
		}
		var wg sync.WaitGroup
		for _, w := range writes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.slots <- struct{}{}
				defer func() { <-c.slots }()
				if err := w.send(); err != nil && ctx.Err() == nil {
					c.failures.Add(1)
					fmt.Fprintf(os.Stderr, "ceiling: %s failed (not retried): %v\n", w.what, err)
				}
			}()
		}
		wg.Wait()
	}()
}

func ready(hw *unstructured.Unstructured) bool {
	observed, _, _ := unstructured.NestedInt64(hw.Object, "status", "observedGeneration")
	conditions, _, _ := unstructured.NestedSlice(hw.Object, "status", "conditions")
	for _, c := range conditions {
		if m, ok := c.(map[string]any); ok && m["type"] == "Ready" && m["status"] == "True" {
			return observed == hw.GetGeneration()
		}
	}
	return false
}

func (c *ceiling) handle(ctx context.Context, hw *unstructured.Unstructured) {
	uid, generation := hw.GetUID(), hw.GetGeneration()
	previous, seen := c.handled[uid]
	if seen && previous >= generation {
		return
	}
	c.handled[uid] = generation
	if !seen && ready(hw) {
		return
	}
	name, namespace := hw.GetName(), hw.GetNamespace()
	message, _, _ := unstructured.NestedString(hw.Object, "spec", "name")
	key := namespace + "/" + name
	reason := "Updated"
	var configMap write
	if !seen {
		reason = "Created"
		isController := true
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: namespace, Labels: map[string]string{"app.kubernetes.io/managed-by": managedBy},
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps.example.com/v1alpha1", Kind: "HelloWorld", Name: name, UID: uid,
					Controller: &isController, BlockOwnerDeletion: &isController,
				}},
			},
			Data: map[string]string{"message": message},
		}
		configMap = write{"create ConfigMap " + key, func() error {
			_, err := c.core.CoreV1().ConfigMaps(namespace).Create(ctx, cm, metav1.CreateOptions{})
			return err
		}}
	} else {
		patch, _ := json.Marshal(map[string]any{"data": map[string]string{"message": message}})
		configMap = write{"patch ConfigMap " + key, func() error {
			_, err := c.core.CoreV1().ConfigMaps(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
			return err
		}}
	}
	now := metav1.Now()
	status, _ := json.Marshal(map[string]any{"status": map[string]any{
		"observedGeneration": generation,
		"conditions": []metav1.Condition{{
			Type: "Ready", Status: metav1.ConditionTrue, Reason: "Reconciled", ObservedGeneration: generation,
			Message: "ConfigMap " + name + " carries spec.name as data.message", LastTransitionTime: now,
		}},
	}})
	statusPatch := write{"patch status of " + key, func() error {
		_, err := c.dyn.Resource(helloWorlds).Namespace(namespace).Patch(ctx, name, types.MergePatchType, status, metav1.PatchOptions{}, "status")
		return err
	}}
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	event := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: name + "." + hex.EncodeToString(suffix), Namespace: namespace},
		EventTime:  metav1.NewMicroTime(time.Now()),
		Regarding: corev1.ObjectReference{
			APIVersion: "apps.example.com/v1alpha1", Kind: "HelloWorld", Name: name, Namespace: namespace, UID: uid,
		},
		Reason: reason, Note: reason + " ConfigMap " + name, Type: corev1.EventTypeNormal, Action: "Reconcile",
		ReportingController: "apps.example.com/" + managedBy, ReportingInstance: managedBy + "-ceiling",
	}
	c.sendAll(ctx, configMap, statusPatch, write{"create Event for " + key, func() error {
		_, err := c.core.EventsV1().Events(namespace).Create(ctx, event, metav1.CreateOptions{})
		return err
	}})
}

func main() {
	concurrency := flag.Int("concurrency", 50, "requests in flight at most")
	objects := flag.Int("helloworlds", 0, "HelloWorlds worked on at once (their three writes each), as that many reconcile workers would; 0: no bound but --concurrency")
	flag.Parse()
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		panic(err)
	}
	config.QPS = -1 // client-side throttling off
	config.UserAgent = "hello-world-ceiling"
	c := &ceiling{
		dyn: dynamic.NewForConfigOrDie(config), core: kubernetes.NewForConfigOrDie(config),
		slots: make(chan struct{}, *concurrency), handled: map[types.UID]int64{},
	}
	if *objects > 0 {
		c.objects = make(chan struct{}, *objects)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	list, err := c.dyn.Resource(helloWorlds).List(ctx, metav1.ListOptions{})
	if err != nil {
		panic(err)
	}
	for i := range list.Items {
		c.handle(ctx, &list.Items[i])
	}
	fmt.Println("synced")
	resourceVersion := list.GetResourceVersion()
	for ctx.Err() == nil {
		w, err := c.dyn.Resource(helloWorlds).Watch(ctx, metav1.ListOptions{ResourceVersion: resourceVersion, AllowWatchBookmarks: true})
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "ceiling: watch: %v; again in 1 s\n", err)
				time.Sleep(time.Second)
			}
			continue
		}
		for event := range w.ResultChan() {
			if event.Type == watch.Error {
				// 410 Expired, most likely: watch again from now; the synthetic ADDED events of the objects
				// that exist are skipped by generation.
				resourceVersion = ""
				break
			}
			hw, ok := event.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			resourceVersion = hw.GetResourceVersion()
			if event.Type == watch.Added || event.Type == watch.Modified {
				c.handle(ctx, hw)
			}
		}
		w.Stop()
	}
	if c.failures.Load() > 0 {
		os.Exit(1)
	}
}
