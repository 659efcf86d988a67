"""Everything that needs a request: the blueprints by audience and the helpers they share."""
