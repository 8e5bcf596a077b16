"""The kinds of the built-in Kubernetes APIs and component configuration files, by API group.

The miner needs them twice: a closed list keeps ordinary capitalised words ('Alpha', 'Users')
out of the kinds of a fact, and the group of a kind resolves notes that name a kind and a bare
version ('PriorityClass ... The v1alpha1 version is removed') or that keep one type of a version
and remove the others ('resource.k8s.io/v1alpha3 now only contains DeviceTaintRule').
"""

from __future__ import annotations

# '' is the core group ('v1'). Kinds served by several groups over time (Event, Ingress) are
# listed under the group that serves them today.
GROUP_KINDS: dict[str, tuple[str, ...]] = {
    "": (
        "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "Namespace", "Node",
        "PersistentVolume", "PersistentVolumeClaim", "ServiceAccount", "LimitRange",
        "ResourceQuota", "ReplicationController", "ComponentStatus", "PodTemplate", "Binding",
    ),
    "apps": ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ControllerRevision"),
    "batch": ("Job", "CronJob"),
    "autoscaling": ("HorizontalPodAutoscaler",),
    "policy": ("PodDisruptionBudget", "PodSecurityPolicy", "Eviction"),
    "events.k8s.io": ("Event",),
    "networking.k8s.io": ("Ingress", "IngressClass", "NetworkPolicy", "IPAddress", "ServiceCIDR"),
    "discovery.k8s.io": ("EndpointSlice",),
    "rbac.authorization.k8s.io": ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
    "storage.k8s.io": (
        "StorageClass", "VolumeAttachment", "CSIDriver", "CSINode", "CSIStorageCapacity",
        "VolumeAttributesClass",
    ),
    "scheduling.k8s.io": ("PriorityClass",),
    "node.k8s.io": ("RuntimeClass",),
    "coordination.k8s.io": ("Lease", "LeaseCandidate"),
    "certificates.k8s.io": (
        "CertificateSigningRequest", "ClusterTrustBundle", "PodCertificateRequest",
    ),
    "admissionregistration.k8s.io": (
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    ),
    "apiextensions.k8s.io": ("CustomResourceDefinition",),
    "apiregistration.k8s.io": ("APIService",),
    "authentication.k8s.io": ("TokenReview", "TokenRequest", "SelfSubjectReview"),
    "authorization.k8s.io": (
        "SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
    ),
    "flowcontrol.apiserver.k8s.io": ("FlowSchema", "PriorityLevelConfiguration"),
    "resource.k8s.io": (
        "ResourceClaim", "ResourceClaimTemplate", "DeviceClass", "ResourceSlice",
        "DeviceTaintRule",
    ),
    "settings.k8s.io": ("PodPreset",),
    "storagemigration.k8s.io": ("StorageVersionMigration",),
    "internal.apiserver.k8s.io": ("StorageVersion",),
    "auditregistration.k8s.io": ("AuditSink",),
    "kubescheduler.config.k8s.io": ("KubeSchedulerConfiguration",),
    "kubelet.config.k8s.io": ("KubeletConfiguration", "CredentialProviderConfig"),
    "kubeproxy.config.k8s.io": ("KubeProxyConfiguration",),
    "kubeadm.k8s.io": ("ClusterConfiguration", "InitConfiguration", "JoinConfiguration"),
    "apiserver.config.k8s.io": (
        "AdmissionConfiguration", "EgressSelectorConfiguration", "AuthenticationConfiguration",
        "AuthorizationConfiguration", "EncryptionConfiguration", "TracingConfiguration",
    ),
    "client.authentication.k8s.io": ("ExecCredential",),
}  # fmt: skip

# Kinds of versions that are gone (resource.k8s.io/v1alpha2): known, but no longer in a group's
# list, so a note that keeps one kind of a newer version does not name them as removed there.
_RETIRED = {"PodSchedulingContext": "resource.k8s.io", "ResourceClass": "resource.k8s.io"}
KIND_GROUP: dict[str, str] = {
    **{kind: g for g, kinds in GROUP_KINDS.items() for kind in kinds},
    **_RETIRED,
}
KNOWN_KINDS = frozenset(KIND_GROUP)
