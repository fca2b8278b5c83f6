"""Personal data inside free text: finding it before anything a citizen wrote is published."""
