"""The roles: the public reads events and visible tickets; owner and organizers manage their event's tickets
and codes; only the owner (or an admin) deletes an event or changes its organizers."""

from rest_framework import permissions

from eventsite.access import event_id_of, manages


class ReadPublicWriteManagers(permissions.BasePermission):
    """Anyone reads; writing needs a login, and changing an object needs to manage its event (else 403)."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return manages(request, event_id_of(obj))


class ManagersOnly(permissions.BasePermission):
    """A login for everything; objects are already scoped to the requester's events (others are 404)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        return manages(request, event_id_of(obj))
