// The HelloWorld operator written with controller-runtime, as a Go team would write it with a current
// release: For(HelloWorld).Owns(ConfigMap), CreateOrUpdate, Status().Update, and the events.k8s.io
// recorder. It is the benchmark's Go peer (bench/README.md); the harness builds it with
// bench/harness/go-peer.ts and runs it with a ServiceAccount kubeconfig in $KUBECONFIG.
//
// Same behaviour as examples/hello-world: a ConfigMap named like the HelloWorld with data.message =
// spec.name, a controller ownerReference and the managed-by label; status.observedGeneration and a Ready
// condition; a Normal Created (or Updated) event when the ConfigMap was written.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

const managedBy = "hello-world-operator"

var groupVersion = schema.GroupVersion{Group: "apps.example.com", Version: "v1alpha1"}

// HelloWorldSpec is what the user asks for.
type HelloWorldSpec struct {
	Name string `json:"name"`
}

// HelloWorldStatus is what the operator reports.
type HelloWorldStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
}

// HelloWorld is apps.example.com/v1alpha1 HelloWorld, as the CRD in examples/hello-world/config/crd serves it.
type HelloWorld struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              HelloWorldSpec   `json:"spec"`
	Status            HelloWorldStatus `json:"status,omitempty"`
}

// HelloWorldList is a list of HelloWorlds.
type HelloWorldList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HelloWorld `json:"items"`
}

// DeepCopyObject and DeepCopyInto are what controller-gen would write; written by hand to keep the peer one file.
func (in *HelloWorld) DeepCopyInto(out *HelloWorld) {
	*out = *in
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = in.Spec
	out.Status.ObservedGeneration = in.Status.ObservedGeneration
	if in.Status.Conditions != nil {
		out.Status.Conditions = make([]metav1.Condition, len(in.Status.Conditions))
		for i := range in.Status.Conditions {
			in.Status.Conditions[i].DeepCopyInto(&out.Status.Conditions[i])
		}
	}
}

func (in *HelloWorld) DeepCopyObject() runtime.Object {
	out := new(HelloWorld)
	in.DeepCopyInto(out)
	return out
}

func (in *HelloWorldList) DeepCopyObject() runtime.Object {
	out := new(HelloWorldList)
	out.TypeMeta = in.TypeMeta
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]HelloWorld, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

type reconciler struct {
	client.Client
	scheme   *runtime.Scheme
	recorder events.EventRecorder
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var hw HelloWorld
	if err := r.Get(ctx, req.NamespacedName, &hw); err != nil {
		// Gone: the garbage collector deletes the ConfigMap through its ownerReference.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !hw.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: hw.Name, Namespace: hw.Namespace}}
	op, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		if owner := metav1.GetControllerOf(cm); owner != nil && owner.UID != hw.UID {
			return fmt.Errorf("ConfigMap %s is controlled by %s %s", cm.Name, owner.Kind, owner.Name)
		}
		if cm.Labels == nil {
			cm.Labels = map[string]string{}
		}
		cm.Labels["app.kubernetes.io/managed-by"] = managedBy
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data["message"] = hw.Spec.Name
		return controllerutil.SetControllerReference(&hw, cm, r.scheme)
	})
	if err != nil {
		if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
			return ctrl.Result{Requeue: true}, nil //nolint:staticcheck // the idiom most operators still use
		}
		return ctrl.Result{}, err
	}
	switch op {
	case controllerutil.OperationResultCreated:
		r.recorder.Eventf(&hw, nil, corev1.EventTypeNormal, "Created", "Reconcile", "Created ConfigMap %s", cm.Name)
	case controllerutil.OperationResultUpdated:
		r.recorder.Eventf(&hw, nil, corev1.EventTypeNormal, "Updated", "Reconcile", "Updated ConfigMap %s", cm.Name)
	}

	ready := meta.FindStatusCondition(hw.Status.Conditions, "Ready")
	if hw.Status.ObservedGeneration == hw.Generation && ready != nil && ready.Status == metav1.ConditionTrue {
		return ctrl.Result{}, nil
	}
	hw.Status.ObservedGeneration = hw.Generation
	meta.SetStatusCondition(&hw.Status.Conditions, metav1.Condition{
		Type: "Ready", Status: metav1.ConditionTrue, Reason: "Reconciled", ObservedGeneration: hw.Generation,
		Message: fmt.Sprintf("ConfigMap %s carries spec.name as data.message", cm.Name),
	})
	if err := r.Status().Update(ctx, &hw); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil //nolint:staticcheck
		}
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

func main() {
	workers := flag.Int("workers", 4, "MaxConcurrentReconciles")
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseDevMode(false)))
	log := ctrl.Log.WithName("hello-world")

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	scheme.AddKnownTypes(groupVersion, &HelloWorld{}, &HelloWorldList{})
	metav1.AddToGroupVersion(scheme, groupVersion)

	config := ctrl.GetConfigOrDie()
	// Client-side throttling off (controller-runtime's default since it relies on API Priority and
	// Fairness; said here explicitly so the benchmark's claim does not hang on a default).
	config.QPS = -1
	config.UserAgent = "hello-world-controller-runtime"

	selector := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/managed-by": managedBy})
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		LeaderElection:         false,
		// Cache only the ConfigMaps this operator writes, as the Capstan operator does.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.ConfigMap{}: {Label: selector}}},
	})
	if err != nil {
		log.Error(err, "manager")
		os.Exit(1)
	}
	r := &reconciler{Client: mgr.GetClient(), scheme: scheme, recorder: mgr.GetEventRecorder("hello-world-operator")}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("helloworld").
		For(&HelloWorld{}).
		Owns(&corev1.ConfigMap{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: *workers}).
		Complete(r)
	if err != nil {
		log.Error(err, "controller")
		os.Exit(1)
	}

	ctx := ctrl.SetupSignalHandler()
	// The harness starts timing once the caches have synced: say so on stdout.
	go func() {
		// Ask for both informers first, so that WaitForCacheSync cannot return before they exist.
		for _, obj := range []client.Object{&HelloWorld{}, &corev1.ConfigMap{}} {
			if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
				log.Error(err, "informer")
				os.Exit(1)
			}
		}
		if mgr.GetCache().WaitForCacheSync(ctx) {
			fmt.Println("synced")
		}
	}()
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
