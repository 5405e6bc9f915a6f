// Package controllers holds the ComposeStack and ComposeNetwork reconcilers.
package controllers

// The manager's permissions, least privilege: its own resources, the ConfigMaps and Secrets that stacks
// reference (read only), the ConfigMaps and Secrets that spec.outputs writes, Events, and leases for leader
// election.
// +kubebuilder:rbac:groups=composestack.dev,resources=composestacks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=composestack.dev,resources=composestacks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=composestack.dev,resources=composestacks/finalizers,verbs=update
// +kubebuilder:rbac:groups=composestack.dev,resources=composenetworks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=composestack.dev,resources=composenetworks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=composestack.dev,resources=composenetworks/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps;secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps;secrets,verbs=create;update;delete
// +kubebuilder:rbac:groups="";events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
