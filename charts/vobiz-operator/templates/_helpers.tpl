{{/*
Chart name, at most 63 characters (a DNS label).
*/}}
{{- define "vobiz-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: the release name, followed by the chart name unless the
release name already contains it.
*/}}
{{- define "vobiz-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "vobiz-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vobiz-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vobiz-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vobiz-operator.labels" -}}
helm.sh/chart: {{ include "vobiz-operator.chart" . }}
{{ include "vobiz-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vobiz-operator
{{- end }}

{{- define "vobiz-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vobiz-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false: set it to an existing ServiceAccount in the release namespace" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vobiz-operator.leaseName" -}}
{{- default (include "vobiz-operator.fullname" .) .Values.leaderElection.id }}
{{- end }}

{{- define "vobiz-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret with the Vobiz credentials: vobiz.existingSecret (default vobiz-credentials),
or the one the chart creates from vobiz.authId and vobiz.authToken when vobiz.existingSecret is
"". Fails when both sources or neither are set. These checks are templates, not schema rules,
so that each failure prints one message with its fix.
*/}}
{{- define "vobiz-operator.credentialsSecretName" -}}
{{- $existing := .Values.vobiz.existingSecret }}
{{- $authId := .Values.vobiz.authId }}
{{- $authToken := .Values.vobiz.authToken }}
{{- if and $existing (or $authId $authToken) }}
{{- fail (printf "vobiz.authId/vobiz.authToken are set, but so is vobiz.existingSecret (%q; it defaults to vobiz-credentials): to read the credentials from that Secret, remove vobiz.authId and vobiz.authToken; to have the chart create the Secret from them, set vobiz.existingSecret=\"\"" $existing) }}
{{- else if $existing }}
{{- $existing }}
{{- else if and $authId $authToken }}
{{- printf "%s-credentials" (include "vobiz-operator.fullname" .) }}
{{- else if or $authId $authToken }}
{{- fail (printf "vobiz.%s is empty: with vobiz.existingSecret=\"\" the chart creates the credentials Secret and needs both vobiz.authId and vobiz.authToken" (ternary "authToken" "authId" (not (empty $authId)))) }}
{{- else }}
{{- fail "Vobiz credentials are missing: vobiz.existingSecret, vobiz.authId and vobiz.authToken are all empty. Set vobiz.existingSecret to a Secret with the keys auth-id and auth-token (the default is vobiz-credentials), or set vobiz.authId and vobiz.authToken" }}
{{- end }}
{{- end }}

{{/*
Key names in the credentials Secret: the chart's own Secret always uses auth-id and auth-token.
*/}}
{{- define "vobiz-operator.credentialsKeys" -}}
{{- if .Values.vobiz.existingSecret }}
{{- toJson (dict "authId" .Values.vobiz.existingSecretKeys.authId "authToken" .Values.vobiz.existingSecretKeys.authToken) }}
{{- else }}
{{- toJson (dict "authId" "auth-id" "authToken" "auth-token") }}
{{- end }}
{{- end }}

{{/*
Rules for PhoneNumbers and Events, granted cluster-wide or in each watched namespace. The
operator lists and watches PhoneNumbers, patches their metadata.finalizers, patches and updates
their status subresource (the update carries a resourceVersion precondition before a purchase),
and records Events on them. NOTE: the current code calls neither get nor update on phonenumbers,
nor the finalizers subresource; they are the usual grants of a controller on its own kind.
*/}}
{{- define "vobiz-operator.phoneNumberRules" -}}
- apiGroups: ["telephony.vobiz-operator.dev"]
  resources: ["phonenumbers"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["telephony.vobiz-operator.dev"]
  resources: ["phonenumbers/status", "phonenumbers/finalizers"]
  verbs: ["patch", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
Checks between values that values.schema.json cannot express with a clear message.
*/}}
{{- define "vobiz-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount is %d but leaderElection.enabled is false: replicas without leader election would all change Vobiz at once. Set leaderElection.enabled=true or replicaCount=1" (int .Values.replicaCount)) }}
{{- end }}
{{- if and (eq .Values.rbac.scope "namespaces") (empty .Values.watchNamespaces) }}
{{- fail "rbac.scope is namespaces but watchNamespaces is empty: list the namespaces to watch in watchNamespaces, or set rbac.scope=cluster" }}
{{- end }}
{{- end }}

{{/*
Formats a number in plain decimal notation. Helm 4 reads numbers in values files as float64 and
prints 1500000 as 1.5e+06, which the operator's flags reject.
*/}}
{{- define "vobiz-operator.decimal" -}}
{{- regexReplaceAll "\\.?0+$" (printf "%f" (float64 .)) "" }}
{{- end }}
