from rest_framework_json_api import renderers


class JSONAPIRenderer(renderers.JSONRenderer):
    """DRF-JSONAPI's renderer, except that a member the serializer left out stays out of ``relationships``.

    Serializers drop members the requester may not see (a ticket's discount code for the public); the stock
    renderer would still write such a relationship with ``"data": null``, which would wrongly say "no code".
    """

    @classmethod
    def extract_relationships(cls, fields, resource, resource_instance):
        shown = {name: field for name, field in fields.items() if name in resource}
        return super().extract_relationships(shown, resource, resource_instance)
