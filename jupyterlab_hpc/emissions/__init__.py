"""CO2-equivalent emissions: a live grid emission factor and the energy integrated against it."""
